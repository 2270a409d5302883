// The site is static: the Dockhand server serves dist/ and the API. In development (`astro dev`) the
// API and WebSockets are proxied to a running Dockhand server.
import { defineConfig } from 'astro/config';

const api = process.env.DOCKHAND_API ?? 'http://127.0.0.1:8080';
const MONACO_CSS = '\0dockhand-monaco-css:';

/**
 * Monaco's stylesheets arrive with Monaco, when the editor tab is first opened. Astro links every
 * stylesheet a page's scripts can reach (dynamic imports included) into the page's <head>, which would
 * put them on every lesson's first paint; as modules that inject a <style>, they load with the chunk.
 */
function monacoStylesWithMonaco() {
  return {
    name: 'dockhand:monaco-styles-with-monaco',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.name === 'client',
    async resolveId(source, importer, options) {
      if (!source.endsWith('.css') || !importer?.includes('/node_modules/monaco-editor/')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      // Ends in .js, or Vite's own CSS handling would take this module for a stylesheet.
      return resolved ? `${MONACO_CSS}${resolved.id}.js` : null;
    },
    load(id) {
      if (!id.startsWith(MONACO_CSS)) return null;
      const file = JSON.stringify(`${id.slice(MONACO_CSS.length, -'.js'.length)}?inline`);
      return `import css from ${file};\nconst style = document.createElement('style');\nstyle.textContent = css;\ndocument.head.append(style);\n`;
    },
  };
}

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  outDir: './dist',
  output: 'static',
  telemetry: false,
  devToolbar: { enabled: false },
  vite: {
    plugins: [monacoStylesWithMonaco()],
    build: {
      // Monaco is one large chunk by nature; it is loaded on demand only.
      chunkSizeWarningLimit: 4096,
      // The site's Content-Security-Policy allows scripts from files only: a small script stays a file
      // instead of being inlined into its page (other assets keep Vite's default).
      assetsInlineLimit: (file) => (file.endsWith('.js') ? false : undefined),
    },
    worker: { format: 'es' },
    server: {
      proxy: {
        '/api': api,
        '/ws': { target: api, ws: true },
        '/sessions': api,
      },
    },
  },
});
