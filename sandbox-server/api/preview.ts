// The web preview route: /sessions/:id/preview/:port/… proxied to the learner's sandbox, on a listener of
// its own (DOCKHAND_PREVIEW_PORT), so learners' pages have their own origin: they behave as they would
// anywhere (localStorage, same-origin fetch) and can never touch Dockhand's origin, its storage or its
// API as whoever views them. With a host name per session (DOCKHAND_PREVIEW_URL holding {session}) a
// session's previews answer only on its own name, so learners' pages are apart from each other as well.
// Links to the old place on Dockhand's origin are redirected. A browser opens the first link with
// ?ticket=… (single-use, purpose `preview`, see sessions/tickets.ts); that sets a cookie scoped to this
// session's previews and redirects to the clean URL. The cookie holds a key derived from the session id
// with this server's secret, never the session token, and the learner's app never sees it.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { DockhandError } from '../errors.ts';
import { refusalOf, statusOf } from '../http/errors.ts';
import type { Router } from '../http/router.ts';
import type { UpgradeRouter } from '../http/upgrade.ts';
import { previewRefusal, sendPreviewProblem } from '../preview/error-page.ts';
import { cameBySessionHost, isPerSession, sessionPreviewOrigin } from '../preview/origin.ts';
import { proxyPreview } from '../preview/proxy.ts';
import { proxyPreviewUpgrade } from '../preview/upgrade.ts';
import type { SandboxBackend } from '../sandboxes/backend.ts';
import type { LiveSession, Sessions } from '../sessions/sessions.ts';
import type { Tickets } from '../sessions/tickets.ts';
import { bearerToken, requireSession, requireSessionTicket } from './auth.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Every preview cookie's name starts so; the app may neither read nor set any of them. */
const PREVIEW_COOKIE = 'dockhand_preview_';

function previewCookieName(sessionId: string): string {
  return `${PREVIEW_COOKIE}${sessionId.replace(/[^\w-]/g, '')}`;
}

function cookieFrom(req: IncomingMessage, sessionId: string): string | undefined {
  return (req.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim().split('='))
    .find(([name]) => name === previewCookieName(sessionId))?.[1];
}

export function addPreviewRoutes(
  router: Router,
  upgrades: UpgradeRouter,
  deps: {
    sessions: Sessions;
    sandboxes: SandboxBackend;
    tickets: Tickets;
    /** DOCKHAND_PREVIEW_URL: with `{session}`, each session's previews answer only on its own host name. */
    previewUrl: string | undefined;
    /** Browsers reach the preview over HTTPS (directly, or through a proxy): its cookie is then `Secure`. */
    https: boolean;
  },
): void {
  // Preview cookies last as long as this server: after a restart, the learner opens the link again.
  const secret = randomBytes(32);
  const previewKey = (id: string) => createHmac('sha256', secret).update(id).digest('base64url');
  /** The session a preview request may see: by its preview cookie, or by a bearer token. */
  const previewSession = (req: IncomingMessage, id: string): LiveSession => {
    const cookie = Buffer.from(cookieFrom(req, id) ?? '');
    const key = Buffer.from(previewKey(id));
    if (cookie.length === key.length && timingSafeEqual(cookie, key)) {
      const session = deps.sessions.live(id);
      if (!session) throw new DockhandError('session_ended', 'this session has ended; its previews with it');
      deps.sessions.activity(id);
      return session;
    }
    return requireSession(deps.sessions, id, bearerToken(req));
  };
  const target = (session: LiveSession, port: string) => ({
    dial: (number: number) => deps.sandboxes.dialPort(session.sandbox, number),
    port,
    prefix: `/sessions/${session.record.id}/preview/${port}`,
  });
  const options = { privateCookies: [PREVIEW_COOKIE] };
  /** On a host per session, a session's previews are on its own host name and nowhere else. */
  const requireOwnHost = (req: IncomingMessage, id: string) => {
    if (isPerSession(deps.previewUrl) && !cameBySessionHost(req, deps.previewUrl, id)) {
      throw new DockhandError('bad_request', "this host name is not where this session's previews are; open them again from the lesson.");
    }
  };

  const http = async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => {
    try {
      await preview(req, res, params, url);
    } catch (error) {
      // An ended session or an expired link: a person gets a page that says so, a program its JSON.
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      sendPreviewProblem(req, res, previewRefusal(statusOf(refusal.code), refusal.message, refusal.code));
    }
  };
  const preview = async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => {
    const id = params.id as string;
    requireOwnHost(req, id);
    if (url.searchParams.has('ticket')) {
      requireSessionTicket(deps.sessions, deps.tickets, id, url, 'preview');
      url.searchParams.delete('ticket');
      const secure = deps.https ? '; Secure' : '';
      const cookie = `${previewCookieName(id)}=${previewKey(id)}; Path=/sessions/${id}/preview/; HttpOnly; SameSite=Lax${secure}`;
      res.writeHead(303, { location: `${url.pathname}${url.search}`, 'set-cookie': cookie, 'cache-control': 'no-store' }).end();
      return;
    }
    const session = previewSession(req, id);
    proxyPreview(req, res, target(session, params.port as string), options);
  };
  for (const method of METHODS) {
    router.add(method, '/sessions/:id/preview/:port', http);
    router.add(method, '/sessions/:id/preview/:port/*', http);
  }

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Record<string, string>) => {
    const id = params.id as string;
    requireOwnHost(req, id);
    const session = previewSession(req, id);
    proxyPreviewUpgrade(req, socket, head, target(session, params.port as string), options);
  };
  upgrades.add('/sessions/:id/preview/:port', upgrade).add('/sessions/:id/preview/:port/*', upgrade);
  // Browsers ask every origin for /favicon.ico; the preview origin has none, and says so without an error.
  router.add('GET', '/favicon.ico', async (_req, res) => void res.writeHead(204, { 'cache-control': 'max-age=86400' }).end());
}

/** Where browsers reach a session's previews, from a request to Dockhand's own origin. */
export type PreviewOrigin = (req: IncomingMessage, sessionId: string) => string;

/** On Dockhand's own origin: preview links from before the preview had its own origin go there. */
export function addPreviewRedirects(router: Router, previewOrigin: PreviewOrigin): void {
  const redirect = async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
    // 307 keeps the method and body of a form the learner's page posted.
    res.writeHead(307, { location: `${previewOrigin(req, params.id as string)}${req.url ?? '/'}`, 'cache-control': 'no-store' }).end();
  };
  for (const method of METHODS) {
    router.add(method, '/sessions/:id/preview/:port', redirect);
    router.add(method, '/sessions/:id/preview/:port/*', redirect);
  }
}

/**
 * Where browsers reach the preview listener, from a request to Dockhand's own: DOCKHAND_PREVIEW_URL
 * when a proxy stands in front (the session's own host name when it holds `{session}`), else the host
 * the browser used, on the preview port.
 */
export function previewOriginFor(options: { previewUrl: string | undefined; tls: boolean; port: () => number }): PreviewOrigin {
  return (req, sessionId) => {
    if (options.previewUrl) return sessionPreviewOrigin(options.previewUrl, sessionId);
    const host = /^(\[[^\]]+\]|[^:]+)/.exec(req.headers.host ?? '')?.[1] ?? '127.0.0.1';
    return `${options.tls ? 'https' : 'http'}://${host}:${options.port()}`;
  };
}
