// WebSocket upgrades: routed like HTTP requests; refusals are written as plain HTTP responses before the
// socket is closed, so clients see the status (401, 404, 410) instead of a bare disconnect.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../protocol/errors.ts';
import { codeOf, INTERNAL_ERROR, refusalOf, statusLine, statusOf } from './errors.ts';
import { errorBody } from './respond.ts';
import { compilePath, matchPath, type Params, type PathPattern } from './router.ts';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Params, url: URL) => void;
type UpgradeRoute = PathPattern & { handler: UpgradeHandler };

export type UpgradeRouter = {
  add(path: string, handler: UpgradeHandler): UpgradeRouter;
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
};

/** `onInternalError` hears the bugs (refused as a 500 whose sentence says nothing of them). */
export function createUpgradeRouter(onInternalError?: (error: unknown) => void): UpgradeRouter {
  const routes: UpgradeRoute[] = [];
  const router: UpgradeRouter = {
    add(path, handler) {
      routes.push({ ...compilePath(path), handler });
      return router;
    },
    handle(req, socket, head) {
      socket.on('error', () => socket.destroy());
      const url = new URL(req.url ?? '/', 'http://localhost');
      for (const route of routes) {
        const params = matchPath(route, url.pathname);
        if (!params) continue;
        try {
          route.handler(req, socket, head, params, url);
        } catch (error) {
          const refusal = refusalOf(error);
          if (refusal) refuseUpgrade(socket, statusOf(refusal.code), refusal.message, refusal.code);
          else {
            onInternalError?.(error);
            refuseUpgrade(socket, 500, INTERNAL_ERROR);
          }
        }
        return;
      }
      refuseUpgrade(socket, 404, `no WebSocket endpoint at ${url.pathname}`);
    },
  };
  return router;
}

export function refuseUpgrade(socket: Duplex, status: number, message: string, code: ErrorCode = codeOf(status)): void {
  const body = JSON.stringify(errorBody(message, code));
  socket.end(
    `HTTP/1.1 ${statusLine(status)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
