// Authentication. HTTP calls carry a bearer token (Authorization: Bearer); WebSockets and the first
// preview link carry a short-lived single-use ticket (`?ticket=`, see sessions/tickets.ts) instead, so
// no token ever stands in a URL that a proxy logs or a browser keeps.
import type { IncomingMessage } from 'node:http';
import type { SessionTicketPurpose, TicketPurpose } from '../protocol/sessions.ts';
import type { LiveSession, Sessions } from '../sessions/sessions.ts';
import type { Tickets } from '../sessions/tickets.ts';
import { hashToken, tokenMatches } from '../sessions/tokens.ts';
import { httpError } from './errors.ts';

/** Whom a ticket is for: one session, or the instructor. What it opens is its purpose. */
export const ticketSubject = {
  session: (id: string) => `session:${id}`,
  admin: 'admin',
} as const;

/** Redeems the URL's ticket for a purpose and subject, or refuses with 401. */
export function requireTicket(tickets: Tickets, url: URL, purpose: TicketPurpose, subject: string): void {
  if (!tickets.redeem(url.searchParams.get('ticket') ?? undefined, purpose, subject)) {
    const issuer = purpose === 'admin' ? 'POST /api/admin/tickets' : `POST /api/sessions/:id/tickets with {"purpose": "${purpose}"}`;
    throw httpError(
      'unauthorized',
      `missing, used or expired ticket, or one issued for something else; ask for a new one (${issuer}) and use it within 30 s`,
    );
  }
}

/** The live session a ticket was issued for, for this purpose (401 without a good ticket, 404 unknown, 410 ended). */
export function requireSessionTicket(
  sessions: Sessions,
  tickets: Tickets,
  id: string,
  url: URL,
  purpose: SessionTicketPurpose,
): LiveSession {
  requireTicket(tickets, url, purpose, ticketSubject.session(id));
  const session = sessions.live(id);
  if (!session)
    throw sessions.record(id)
      ? httpError('session_ended', 'this session has ended; start a new one')
      : httpError('not_found', `no session ${id}`);
  sessions.activity(id);
  return session;
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * The live session behind a request, or a refusal (401 wrong token, 404 unknown, 410 ended). A call
 * counts as activity for the idle timeout unless it only reads state a page polls for (`touch: false`),
 * so a forgotten open tab does not keep a sandbox alive.
 */
export function requireSession(
  sessions: Sessions,
  id: string,
  token: string | undefined,
  options: { touch: boolean } = { touch: true },
): LiveSession {
  const access = sessions.access(id, token);
  if (!access.ok) throw httpError(access.code, access.error);
  if (options.touch) sessions.activity(id);
  return access.session;
}

/** A check for the instructor's admin token (Bearer), as routes that need it share it. */
export function adminGuard(adminToken: string): (token: string | undefined) => void {
  const adminHash = hashToken(adminToken);
  return (token) => {
    if (!tokenMatches(token, adminHash)) throw httpError('unauthorized', 'missing or wrong admin token');
  };
}
