// The one HTTP server: the API under /api, the built site for everything else.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendError, sendJson } from './respond.ts';
import { serveStatic } from './static.ts';

export type AppDeps = {
  siteDir: string;
  health: () => Promise<unknown>;
};

export function createApp(deps: AppDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
      else res.destroy();
    });
  });
}

async function handle(deps: AppDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/api/health') {
    if (req.method !== 'GET') return sendError(res, 405, 'use GET for /api/health');
    return sendJson(res, 200, await deps.health());
  }
  if (url.pathname === '/api' || url.pathname.startsWith('/api/'))
    return sendError(res, 404, `no API endpoint ${req.method} ${url.pathname}`);
  return serveStatic(deps.siteDir, req, res, url.pathname);
}
