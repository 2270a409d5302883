// Short-lived, single-use tickets. A WebSocket or a preview link authenticates with one instead of a
// bearer token in its URL, where reverse proxies, logs and browser history would keep the token.
// A ticket is bound to what it was issued for (a session's id, or the instructor): it opens nothing else.
import { randomBytes } from 'node:crypto';

export const TICKET_TTL_MS = 30_000;

export type Tickets = {
  issue(subject: string, now?: number): { ticket: string; expiresInSeconds: number };
  /** True once for a ticket issued for this subject and not yet expired; it is used up either way. */
  redeem(ticket: string | undefined, subject: string, now?: number): boolean;
};

export function createTickets(ttlMs = TICKET_TTL_MS): Tickets {
  const issued = new Map<string, { subject: string; expiresAt: number }>();
  return {
    issue(subject, now = Date.now()) {
      for (const [ticket, entry] of issued) if (entry.expiresAt <= now) issued.delete(ticket);
      const ticket = randomBytes(24).toString('base64url');
      issued.set(ticket, { subject, expiresAt: now + ttlMs });
      return { ticket, expiresInSeconds: Math.round(ttlMs / 1000) };
    },
    redeem(ticket, subject, now = Date.now()) {
      if (!ticket) return false;
      const entry = issued.get(ticket);
      issued.delete(ticket);
      return entry !== undefined && entry.subject === subject && entry.expiresAt > now;
    },
  };
}
