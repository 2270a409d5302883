// Authentication. HTTP calls carry a bearer token (Authorization: Bearer); WebSockets and the first
// preview link carry a short-lived single-use ticket (`?ticket=`, see sessions/tickets.ts) instead, so
// no token ever stands in a URL that a proxy logs or a browser keeps.
import type { IncomingMessage } from 'node:http';
import { DockhandError } from '../errors.ts';
import { END_REASONS, type SessionTicketPurpose, type TicketPurpose } from '../protocol/sessions.ts';
import type { Lobby } from '../sessions/lobby.ts';
import type { LiveSession, Sessions } from '../sessions/sessions.ts';
import type { Tickets } from '../sessions/tickets.ts';
import { hashToken, tokenMatches } from '../sessions/tokens.ts';
import type { SessionRecord } from '../store/store.ts';

/** Whom a ticket is for: one session, or the instructor. What it opens is its purpose. */
export const ticketSubject = {
  session: (id: string) => `session:${id}`,
  admin: 'admin',
} as const;

/** Redeems the URL's ticket for a purpose and subject, or refuses with 401. */
export function requireTicket(tickets: Tickets, url: URL, purpose: TicketPurpose, subject: string): void {
  if (!tickets.redeem(url.searchParams.get('ticket') ?? undefined, purpose, subject)) {
    const issuer = purpose === 'admin' ? 'POST /api/admin/tickets' : `POST /api/sessions/:id/tickets with {"purpose": "${purpose}"}`;
    throw new DockhandError(
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
  const session = liveSession(sessions, knownSession(sessions, id));
  sessions.activity(id);
  return session;
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * The session's record if `token` is its token, ended sessions included (404 unknown, 401 wrong token):
 * the one place a session's token is checked.
 */
export function ownedSession(sessions: Pick<Sessions, 'record'>, id: string, token: string | undefined): SessionRecord {
  const record = knownSession(sessions, id);
  if (!tokenMatches(token, record.tokenHash)) throw wrongSessionToken();
  return record;
}

/** A session still waiting in line, if `token` is its token; undefined for one not in line. */
export function waitingSession(
  lobby: Pick<Lobby, 'waiting'> | undefined,
  id: string,
  token: string | undefined,
): { position: number } | undefined {
  const waiting = lobby?.waiting(id, token);
  if (waiting === 'wrong_token') throw wrongSessionToken();
  return waiting;
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
  const session = liveSession(sessions, ownedSession(sessions, id, token));
  if (options.touch) sessions.activity(id);
  return session;
}

function knownSession(sessions: Pick<Sessions, 'record'>, id: string): SessionRecord {
  const record = sessions.record(id);
  if (!record) throw new DockhandError('not_found', `no session ${id}`);
  return record;
}

function liveSession(sessions: Pick<Sessions, 'live'>, record: SessionRecord): LiveSession {
  const session = sessions.live(record.id);
  if (session) return session;
  const why = record.endCode ? ` (${END_REASONS[record.endCode]})` : '';
  throw new DockhandError('session_ended', `this session has ended${why}; start a new one`);
}

function wrongSessionToken(): DockhandError {
  return new DockhandError('unauthorized', 'missing or wrong session token');
}

/** Whether a token is the instructor's admin token: the one place it is compared. */
export function adminCheck(adminToken: string): (token: string | undefined) => boolean {
  const adminHash = hashToken(adminToken);
  return (token) => tokenMatches(token, adminHash);
}

/** A check for the instructor's admin token (Bearer), as routes that need it share it. */
export function adminGuard(adminToken: string): (token: string | undefined) => void {
  const isAdmin = adminCheck(adminToken);
  return (token) => {
    if (!isAdmin(token)) throw new DockhandError('unauthorized', 'missing or wrong admin token');
  };
}
