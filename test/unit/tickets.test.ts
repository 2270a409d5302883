import { describe, expect, it } from 'vitest';
import { createTickets } from '../../sandbox-server/sessions/tickets.ts';

describe('tickets', () => {
  it('open what they were issued for, once', () => {
    const tickets = createTickets(30_000);
    const { ticket, expiresInSeconds } = tickets.issue('session:a', 0);
    expect(expiresInSeconds).toBe(30);
    expect(ticket).toMatch(/^[\w-]{32}$/);
    expect(tickets.redeem(ticket, 'session:a', 1)).toBe(true);
    expect(tickets.redeem(ticket, 'session:a', 2)).toBe(false);
  });
  it('open nothing else, and are used up by the attempt', () => {
    const tickets = createTickets(30_000);
    const { ticket } = tickets.issue('session:a', 0);
    expect(tickets.redeem(ticket, 'session:b', 1)).toBe(false);
    expect(tickets.redeem(ticket, 'session:a', 2)).toBe(false);
    expect(tickets.redeem(undefined, 'session:a', 2)).toBe(false);
    expect(tickets.redeem('made-up', 'session:a', 2)).toBe(false);
  });
  it('expire', () => {
    const tickets = createTickets(30_000);
    const { ticket } = tickets.issue('admin', 0);
    expect(tickets.redeem(ticket, 'admin', 30_000)).toBe(false);
  });
});
