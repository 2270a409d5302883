import { describe, expect, it } from 'vitest';
import { createTickets } from '../../sandbox-server/sessions/tickets.ts';

describe('tickets', () => {
  it('open what they were issued for, once', () => {
    const tickets = createTickets(30_000);
    const { ticket, purpose, expiresInSeconds } = tickets.issue('terminal', 'session:a', 0);
    expect(expiresInSeconds).toBe(30);
    expect(purpose).toBe('terminal');
    expect(ticket).toMatch(/^[\w-]{32}$/);
    expect(tickets.redeem(ticket, 'terminal', 'session:a', 1)).toBe(true);
    expect(tickets.redeem(ticket, 'terminal', 'session:a', 2)).toBe(false);
  });
  it('open no other session, and are used up by the attempt', () => {
    const tickets = createTickets(30_000);
    const { ticket } = tickets.issue('terminal', 'session:a', 0);
    expect(tickets.redeem(ticket, 'terminal', 'session:b', 1)).toBe(false);
    expect(tickets.redeem(ticket, 'terminal', 'session:a', 2)).toBe(false);
    expect(tickets.redeem(undefined, 'terminal', 'session:a', 2)).toBe(false);
    expect(tickets.redeem('made-up', 'terminal', 'session:a', 2)).toBe(false);
  });
  it('open nothing but their purpose, and are used up by the attempt', () => {
    const tickets = createTickets(30_000);
    const preview = tickets.issue('preview', 'session:a', 0).ticket;
    expect(tickets.redeem(preview, 'terminal', 'session:a', 1)).toBe(false);
    expect(tickets.redeem(preview, 'preview', 'session:a', 2)).toBe(false);
    const terminal = tickets.issue('terminal', 'session:a', 0).ticket;
    expect(tickets.redeem(terminal, 'preview', 'session:a', 1)).toBe(false);
    const events = tickets.issue('events', 'session:a', 0).ticket;
    expect(tickets.redeem(events, 'terminal', 'session:a', 1)).toBe(false);
  });
  it('expire', () => {
    const tickets = createTickets(30_000);
    const { ticket } = tickets.issue('admin', 'admin', 0);
    expect(tickets.redeem(ticket, 'admin', 'admin', 30_000)).toBe(false);
  });
});

describe('tickets asked for in a loop', () => {
  it('are refused past the bound per subject, with when to ask again, and other subjects are not held up', () => {
    const tickets = createTickets(30_000, { perMinute: 60, burst: 3 });
    for (let index = 0; index < 3; index++) tickets.issue('events', 'session:a', 0);
    expect(() => tickets.issue('events', 'session:a', 0)).toThrow(expect.objectContaining({ code: 'rate_limited', retryAfterSeconds: 1 }));
    expect(tickets.issue('events', 'session:b', 0).purpose).toBe('events');
    expect(tickets.issue('events', 'session:a', 1_000).purpose).toBe('events');
  });
});
