// The one HTTP server: routed handlers (the API, previews), WebSocket upgrades, and the built site for
// everything else. Handlers throw refusals (DockhandError); anything else is a 500 whose message stays in
// the log (it may name paths, addresses or internals), and the client gets a sentence.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { refuseCrossSite } from './cross-site.ts';
import { INTERNAL_ERROR, refusalOf } from './errors.ts';
import { sendError, sendRefusal } from './respond.ts';
import type { Router } from './router.ts';
import { createStaticSite, type StaticSite } from './static.ts';
import type { UpgradeRouter } from './upgrade.ts';

export type AppDeps = {
  /** The built site, served for every path no route takes; absent (the preview's listener): 404. */
  siteDir?: string;
  router: Router;
  upgrades?: UpgradeRouter;
  /** A bug (a 500): the client is told only that something went wrong, so this is where it is told in full. */
  onInternalError?: (error: unknown, req: IncomingMessage) => void;
  /** Serve HTTPS (and WSS) with this certificate chain and key, both PEM. */
  tls?: { cert: Buffer; key: Buffer };
};

export function createApp(deps: AppDeps): Server {
  const site = deps.siteDir ? createStaticSite(deps.siteDir) : undefined;
  const respond = (req: IncomingMessage, res: ServerResponse) => {
    handle(deps, site, req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      const refusal = refusalOf(error);
      if (refusal) return sendRefusal(res, refusal);
      deps.onInternalError?.(error, req);
      sendError(res, 500, INTERNAL_ERROR);
    });
  };
  // An https.Server is an http.Server with TLS underneath: routes and upgrades do not tell them apart.
  const server: Server = deps.tls ? createTlsServer(deps.tls, respond) : createServer(respond);
  const upgrades = deps.upgrades;
  if (upgrades) server.on('upgrade', (req, socket, head) => upgrades.handle(req, socket, head));
  return server;
}

async function handle(deps: AppDeps, site: StaticSite | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const api = url.pathname === '/api' || url.pathname.startsWith('/api/');
  const match = deps.router.match(method, url.pathname);
  if ('handler' in match) {
    if (api) refuseCrossSite(req);
    return match.handler(req, res, match.params, url);
  }
  if (match.status === 405) {
    res.setHeader('allow', match.allowed.join(', '));
    return sendError(res, 405, `use ${match.allowed.join(' or ')} for ${url.pathname}`);
  }
  if (api) return sendError(res, 404, `no API endpoint ${method} ${url.pathname}`);
  if (!site) return sendError(res, 404, `nothing at ${url.pathname}`);
  site(req, res, url.pathname);
}
