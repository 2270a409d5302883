// Binding and closing Dockhand's two listeners (its own origin and the preview's).
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import type { WebSocketServer } from 'ws';
import type { Config } from '../config.ts';
import { createApp } from '../http/app.ts';
import type { Routes } from './routes.ts';

/** Dockhand's certificate and key (DOCKHAND_TLS_CERT, DOCKHAND_TLS_KEY), read. */
export type Tls = { cert: Buffer; key: Buffer };

/** Read before anything slow starts, so a file that cannot be read stops the start at once. */
export async function readTls(config: Config): Promise<Tls | undefined> {
  if (!config.tls) return undefined;
  const read = (file: string, name: string) =>
    readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`${name} ${file} cannot be read (${error.code ?? error.message}); point it at a PEM file Dockhand may read.`);
    });
  return { cert: await read(config.tls.certPath, 'DOCKHAND_TLS_CERT'), key: await read(config.tls.keyPath, 'DOCKHAND_TLS_KEY') };
}

/** Listens; a port that cannot be had is one sentence naming the setting. */
export async function listen(server: Server, port: number, host: string, setting: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${setting}=${port} cannot be used on ${host} (${error.code ?? error.message}); stop what listens there or choose another port.`,
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** Ends every WebSocket and connection at once: a close never waits for a learner's open terminal. */
export async function closeServer(server: Server, wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}

export type Listeners = { port: number; previewPort: number; close(): Promise<void> };

/** Dockhand's origin (the site, the API, WebSockets) and the preview's, each on its own port; neither stays half-open. */
export async function openListeners(config: Config, tls: Tls | undefined, routes: Routes): Promise<Listeners> {
  const { wss, internalError } = routes;
  const common = { tls, onInternalError: internalError };
  const server = createApp({ siteDir: path.join(config.rootDir, 'dist'), router: routes.router, upgrades: routes.upgrades, ...common });
  const port = await listen(server, config.port, config.host, 'PORT');
  const previewServer = createApp({ router: routes.previewRouter, upgrades: routes.previewUpgrades, ...common });
  const previewPort = await listen(previewServer, config.previewPort, config.host, 'DOCKHAND_PREVIEW_PORT').catch(async (error: Error) => {
    await closeServer(server, wss);
    throw error;
  });
  routes.setPreviewPort(previewPort);
  return {
    port,
    previewPort,
    async close() {
      await closeServer(server, wss);
      await closeServer(previewServer, wss);
    },
  };
}
