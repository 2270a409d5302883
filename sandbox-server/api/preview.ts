// The web preview route: /sessions/:id/preview/:port/… proxied to the learner's sandbox. A browser opens
// the first link with ?token=…; that sets a cookie scoped to this session's previews and redirects to
// the clean URL, so the token does not linger in the address bar or leak to the learner's app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Router } from '../http/router.ts';
import type { UpgradeRouter } from '../http/upgrade.ts';
import { proxyPreview } from '../preview/proxy.ts';
import { proxyPreviewUpgrade } from '../preview/upgrade.ts';
import type { SandboxBackend } from '../sandboxes/backend.ts';
import type { LiveSession, Sessions } from '../sessions/sessions.ts';
import { bearerToken, requireSession } from './auth.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function previewCookieName(sessionId: string): string {
  return `dockhand_preview_${sessionId.replace(/[^\w-]/g, '')}`;
}

function tokenFrom(req: IncomingMessage, url: URL, sessionId: string): string | undefined {
  const fromCookie = (req.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim().split('='))
    .find(([name]) => name === previewCookieName(sessionId))?.[1];
  return url.searchParams.get('token') ?? bearerToken(req) ?? fromCookie;
}

export function addPreviewRoutes(router: Router, upgrades: UpgradeRouter, deps: { sessions: Sessions; sandboxes: SandboxBackend }): void {
  const target = async (session: LiveSession, port: string) => ({
    address: await deps.sandboxes.address(session.sandbox),
    port,
    prefix: `/sessions/${session.record.id}/preview/${port}`,
  });
  const options = (id: string) => ({ privateCookies: [previewCookieName(id)] });

  const http = async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => {
    const id = params.id as string;
    const token = tokenFrom(req, url, id);
    const session = requireSession(deps.sessions, id, token);
    if (url.searchParams.has('token')) {
      url.searchParams.delete('token');
      const cookie = `${previewCookieName(id)}=${token}; Path=/sessions/${id}/preview/; HttpOnly; SameSite=Lax`;
      res.writeHead(303, { location: `${url.pathname}${url.search}`, 'set-cookie': cookie, 'cache-control': 'no-store' }).end();
      return;
    }
    proxyPreview(req, res, await target(session, params.port as string), options(id));
  };
  for (const method of METHODS) {
    router.add(method, '/sessions/:id/preview/:port', http);
    router.add(method, '/sessions/:id/preview/:port/*', http);
  }

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Record<string, string>, url: URL) => {
    const id = params.id as string;
    const session = requireSession(deps.sessions, id, tokenFrom(req, url, id));
    target(session, params.port as string).then(
      (resolved) => proxyPreviewUpgrade(req, socket, head, resolved, options(id)),
      () => socket.destroy(),
    );
  };
  upgrades.add('/sessions/:id/preview/:port', upgrade).add('/sessions/:id/preview/:port/*', upgrade);
}
