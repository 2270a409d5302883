// Short-lived, single-use tickets. A WebSocket or a preview link authenticates with one instead of a
// bearer token in its URL, where reverse proxies, logs and browser history would keep the token.
// A ticket is bound to what it was issued for: its purpose (a terminal, the events socket, a preview, the
// instructor's sockets) and its subject (a session's id, or the instructor). It opens nothing else, so a
// preview link a learner's app gets to see can never open that learner's terminal.
import { randomBytes } from 'node:crypto';
import { DockhandError } from '../errors.ts';
import type { TicketPurpose } from '../protocol/sessions.ts';
import { createRateLimit, type Rate } from './rate-limit.ts';

export const TICKET_TTL_MS = 30_000;
/**
 * Tickets one subject may be issued: a page with eight terminals that reconnects a few times stays far
 * below; a script asking in a loop is refused before the live tickets could fill the server's memory.
 */
export const TICKETS_PER_SUBJECT: Rate = { perMinute: 120, burst: 60 };

export type Tickets = {
  issue(purpose: TicketPurpose, subject: string, now?: number): { ticket: string; purpose: TicketPurpose; expiresInSeconds: number };
  /** True once for a ticket issued for this purpose and subject and not yet expired; it is used up either way. */
  redeem(ticket: string | undefined, purpose: TicketPurpose, subject: string, now?: number): boolean;
};

export function createTickets(ttlMs = TICKET_TTL_MS, rate: Rate = TICKETS_PER_SUBJECT): Tickets {
  const issued = new Map<string, { purpose: TicketPurpose; subject: string; expiresAt: number }>();
  const limit = createRateLimit(rate);
  return {
    issue(purpose, subject, now = Date.now()) {
      const wait = limit.take(subject, now);
      if (wait !== undefined)
        throw new DockhandError('rate_limited', `Too many connections asked for in a short time; try again in ${wait} s.`, wait);
      for (const [ticket, entry] of issued) if (entry.expiresAt <= now) issued.delete(ticket);
      const ticket = randomBytes(24).toString('base64url');
      issued.set(ticket, { purpose, subject, expiresAt: now + ttlMs });
      return { ticket, purpose, expiresInSeconds: Math.round(ttlMs / 1000) };
    },
    redeem(ticket, purpose, subject, now = Date.now()) {
      if (!ticket) return false;
      const entry = issued.get(ticket);
      issued.delete(ticket);
      return entry !== undefined && entry.purpose === purpose && entry.subject === subject && entry.expiresAt > now;
    },
  };
}
