// POST /api/sessions/:id/tickets and POST /api/admin/tickets: a short-lived single-use ticket that a
// WebSocket or a preview link carries instead of the bearer token.
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { TicketView } from '../protocol/sessions.ts';
import type { Lobby } from '../sessions/lobby.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { Tickets } from '../sessions/tickets.ts';
import { adminGuard, bearerToken, requireSession, ticketSubject } from './auth.ts';
import { httpError } from './errors.ts';

export type TicketsApiDeps = { sessions: Sessions; lobby: Lobby; tickets: Tickets; adminToken: string };

export function addTicketRoutes(router: Router, deps: TicketsApiDeps): void {
  const requireAdmin = adminGuard(deps.adminToken);
  router.add('POST', '/api/sessions/:id/tickets', async (req, res, params) => {
    const id = params.id as string;
    const token = bearerToken(req);
    // A session waiting in line may follow its place on the events socket too.
    const waiting = deps.lobby.waiting(id, token);
    if (waiting === 'wrong_token') throw httpError('unauthorized', 'missing or wrong session token');
    if (!waiting) requireSession(deps.sessions, id, token, { touch: false });
    const view: TicketView = deps.tickets.issue(ticketSubject.session(id));
    sendJson(res, 201, view);
  });
  router.add('POST', '/api/admin/tickets', async (req, res) => {
    requireAdmin(bearerToken(req));
    const view: TicketView = deps.tickets.issue(ticketSubject.admin);
    sendJson(res, 201, view);
  });
}
