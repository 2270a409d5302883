// POST /api/sessions/:id/tickets and POST /api/admin/tickets: a short-lived single-use ticket that a
// WebSocket or a preview link carries instead of the bearer token. A session's ticket names what it will
// open (its terminal, its events socket or its preview) and opens only that; the instructor's open only
// the instructor's sockets.
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import { TicketBody } from '../protocol/bodies.ts';
import type { TicketView } from '../protocol/sessions.ts';
import type { Lobby } from '../sessions/lobby.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { Tickets } from '../sessions/tickets.ts';
import { adminGuard, bearerToken, requireSession, ticketSubject, waitingSession } from './auth.ts';
import { readBody } from './body.ts';

export type TicketsApiDeps = { sessions: Sessions; lobby: Lobby; tickets: Tickets; adminToken: string };

export function addTicketRoutes(router: Router, deps: TicketsApiDeps): void {
  const requireAdmin = adminGuard(deps.adminToken);
  router.add('POST', '/api/sessions/:id/tickets', async (req, res, params) => {
    const id = params.id as string;
    const token = bearerToken(req);
    // A session waiting in line may follow its place on the events socket too.
    if (!waitingSession(deps.lobby, id, token)) requireSession(deps.sessions, id, token, { touch: false });
    const { purpose } = await readBody(req, TicketBody, { limitBytes: 1024 });
    const view: TicketView = deps.tickets.issue(purpose, ticketSubject.session(id));
    sendJson(res, 201, view);
  });
  router.add('POST', '/api/admin/tickets', async (req, res) => {
    requireAdmin(bearerToken(req));
    const view: TicketView = deps.tickets.issue('admin', ticketSubject.admin);
    sendJson(res, 201, view);
  });
}
