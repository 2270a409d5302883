// The site is static: the Dockhand server serves dist/ and the API. In development (`astro dev`) the
// API and WebSockets are proxied to a running Dockhand server.
import { defineConfig } from 'astro/config';

const api = process.env.DOCKHAND_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  outDir: './dist',
  output: 'static',
  telemetry: false,
  devToolbar: { enabled: false },
  vite: {
    server: {
      proxy: {
        '/api': api,
        '/ws': { target: api, ws: true },
      },
    },
  },
});
