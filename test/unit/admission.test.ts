// Admission with made-up clients: the flood from one address, the bound on the whole host, the waiting
// line (workshops first), the rate limit, and the client address behind a trusted proxy.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, clientKey, requestScheme } from '../../sandbox-server/http/client.ts';
import { createAdmission, defaultHostReserve, defaultMaxSandboxes, SETTLE_MS } from '../../sandbox-server/sessions/admission.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const memory = { guaranteeBytes: 256 * MiB, reserveBytes: GiB };
const limits = { maxSandboxes: 5, memory, perClient: 2, rate: { perMinute: 60, burst: 100 } };
/** A host with plenty of memory free, whatever is asked. */
const plenty = () => 20 * GiB;
const counter = () => {
  let n = 0;
  return () => `q${++n}`;
};
const self = (client: string) => ({ client, workshop: null });
const seat = (client: string) => ({ client, workshop: { workshop: 'K7P4QX', size: 0 } });

describe('the flood from one address', () => {
  it('12 self-paced requests give the per-client bound, and 429s with Retry-After for the rest', () => {
    const admission = createAdmission(limits, counter(), plenty);
    const decisions = Array.from({ length: 12 }, () => admission.apply(self('203.0.113.7')));
    expect(decisions.filter((d) => d.kind === 'admit').length).toBe(2);
    expect(decisions.slice(2)).toEqual(
      Array(10).fill(expect.objectContaining({ kind: 'refuse', code: 'too_many_sessions', retryAfterSeconds: 60 })),
    );
    expect(admission.stats()).toEqual({ live: 2, waiting: 0, max: 5 });
  });

  it('a room behind one NAT address all gets in as workshop participants', () => {
    const admission = createAdmission({ ...limits, maxSandboxes: 30 }, counter(), plenty);
    const decisions = Array.from({ length: 20 }, () => admission.apply(seat('198.51.100.1')));
    expect(decisions.every((d) => d.kind === 'admit')).toBe(true);
  });

  it("at the default rate, a room joins as fast as its seats say; the address's own bucket and other rooms are apart", () => {
    const rate = { perMinute: 20, burst: 10 };
    const admission = createAdmission({ ...limits, maxSandboxes: 200, rate }, counter(), plenty);
    const room = (workshop: string, size: number) => ({ client: '198.51.100.1', workshop: { workshop, size } });
    const sixty = Array.from({ length: 60 }, () => admission.apply(room('K7P4QX', 60)));
    expect(sixty.every((d) => d.kind === 'admit')).toBe(true);
    expect(admission.apply(room('K7P4QX', 60))).toMatchObject({ kind: 'refuse', code: 'rate_limited', retryAfterSeconds: 3 });
    // A workshop that said nothing of its size gets the usual burst.
    const unsized = Array.from({ length: 12 }, () => admission.apply(room('M3Q9ZT', 0)));
    expect(unsized.filter((d) => d.kind === 'admit').length).toBe(rate.burst);
    // The address's self-paced bucket was not spent by either room.
    expect(admission.apply(self('198.51.100.1')).kind).toBe('admit');
  });

  it('a place freed by an ended session can be used again', () => {
    const admission = createAdmission(limits, counter(), plenty);
    admission.apply(self('a'));
    admission.apply(self('a'));
    expect(admission.apply(self('a')).kind).toBe('refuse');
    admission.release(self('a'));
    expect(admission.apply(self('a')).kind).toBe('admit');
  });
});

describe('the waiting line', () => {
  it('queues arrivals once the host is full and admits them in order as places free up', () => {
    const admission = createAdmission(limits, counter(), plenty);
    const clients = Array.from({ length: 12 }, (_, i) => self(`10.0.0.${i}`));
    const decisions = clients.map((client) => admission.apply(client));
    expect(decisions.slice(0, 5).every((d) => d.kind === 'admit')).toBe(true);
    expect(decisions.slice(5).map((d) => (d.kind === 'queue' ? d.position : 0))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    admission.release(clients[0] as (typeof clients)[0]);
    admission.release(clients[1] as (typeof clients)[0]);
    expect(admission.admitWaiting().map((entry) => entry.id)).toEqual(['q1', 'q2']);
    expect(admission.position('q3')).toBe(1);
    expect(admission.position('q1')).toBeUndefined();
    expect(admission.admitWaiting()).toEqual([]);
  });

  it('workshop participants go before self-paced learners, in their own order', () => {
    const admission = createAdmission({ ...limits, maxSandboxes: 1 }, counter(), plenty);
    admission.apply(self('a'));
    const waiting = [admission.apply(self('b')), admission.apply(seat('c')), admission.apply(seat('d'))];
    expect(waiting.map((d) => (d.kind === 'queue' ? d.position : 0))).toEqual([1, 1, 2]);
    expect(admission.position('q1')).toBe(3);
    admission.release(self('a'));
    expect(admission.admitWaiting().map((entry) => entry.applicant.client)).toEqual(['c']);
  });

  it('no one overtakes the line, and leaving it moves everyone up', () => {
    const admission = createAdmission({ ...limits, maxSandboxes: 1 }, counter(), plenty);
    admission.apply(self('a'));
    admission.apply(self('b'));
    admission.release(self('a'));
    expect(admission.apply(self('c'))).toEqual({ kind: 'queue', id: 'q2', position: 2 });
    admission.leave('q1');
    expect(admission.position('q2')).toBe(1);
  });

  it('waiting counts toward the per-client bound', () => {
    const admission = createAdmission({ ...limits, maxSandboxes: 0 }, counter(), plenty);
    expect(admission.apply(self('a')).kind).toBe('queue');
    expect(admission.apply(self('a')).kind).toBe('queue');
    expect(admission.apply(self('a')).kind).toBe('refuse');
  });
});

describe('the rate limit', () => {
  it('allows a burst, then one request per refill, with the wait in Retry-After', () => {
    const admission = createAdmission({ maxSandboxes: 100, memory, perClient: 100, rate: { perMinute: 6, burst: 3 } }, counter(), plenty);
    const at = (seconds: number) => admission.apply(self('a'), seconds * 1000);
    expect([at(0), at(0), at(0)].every((d) => d.kind === 'admit')).toBe(true);
    expect(at(1)).toMatchObject({ kind: 'refuse', code: 'rate_limited', retryAfterSeconds: 9 });
    expect(at(10).kind).toBe('admit');
    expect(admission.apply(self('b'), 10_000).kind).toBe('admit');
  });
});

describe('clientAddress', () => {
  it('is the connection address unless it comes from a trusted proxy', () => {
    expect(clientAddress('203.0.113.9', '1.2.3.4', [])).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9', undefined, [])).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', '198.51.100.4', ['127.0.0.1'])).toBe('198.51.100.4');
  });
  it('ignores what a client wrote before the trusted proxies', () => {
    expect(clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.4', ['127.0.0.1'])).toBe('198.51.100.4');
    expect(clientAddress('127.0.0.1', '198.51.100.4, 10.0.0.2', ['127.0.0.1', '10.0.0.2'])).toBe('198.51.100.4');
  });
});

describe('clientKey', () => {
  it('counts an IPv6 client by its /64, however the address is written', () => {
    const key = '2001:db8:1:2::/64';
    for (const address of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:0:0:0:9', '2001:db8:1:2::1%eth0'])
      expect(clientKey(address)).toBe(key);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
  it('keeps an IPv4 address as it is', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey(clientAddress('::ffff:203.0.113.9', undefined, []))).toBe('203.0.113.9');
  });
  it('gives one client one rate: addresses of one /64 share a bucket', () => {
    const admission = createAdmission(
      { maxSandboxes: 100, memory, perClient: 2, rate: { perMinute: 100, burst: 100 } },
      () => 'id',
      plenty,
    );
    expect(admission.apply({ client: clientKey('2001:db8::1'), workshop: null }).kind).toBe('admit');
    expect(admission.apply({ client: clientKey('2001:db8::2'), workshop: null }).kind).toBe('admit');
    expect(admission.apply({ client: clientKey('2001:db8::3'), workshop: null })).toMatchObject({
      kind: 'refuse',
      code: 'too_many_sessions',
    });
  });
});

describe('requestScheme', () => {
  const req = (remoteAddress: string, headers: Record<string, string>, encrypted = false) =>
    ({ socket: { remoteAddress, ...(encrypted ? { encrypted } : {}) }, headers }) as unknown as IncomingMessage;
  it('is https on a TLS connection, or when a trusted proxy says so; anyone else cannot claim it', () => {
    expect(requestScheme(req('203.0.113.9', {}, true), [])).toBe('https');
    expect(requestScheme(req('203.0.113.9', {}), [])).toBe('http');
    expect(requestScheme(req('203.0.113.9', { 'x-forwarded-proto': 'https' }), [])).toBe('http');
    expect(requestScheme(req('::ffff:127.0.0.1', { 'x-forwarded-proto': 'https' }), ['127.0.0.1'])).toBe('https');
    expect(requestScheme(req('127.0.0.1', { 'x-forwarded-proto': 'http' }), ['127.0.0.1'])).toBe('http');
  });
});

describe('defaultMaxSandboxes', () => {
  it("is bounded by the host's memory less its reserve at each sandbox's guarantee, and by the subnet", () => {
    expect(defaultMaxSandboxes(24 * GiB, { guaranteeBytes: 256 * MiB, reserveBytes: defaultHostReserve(24 * GiB) }, 511)).toBe(86);
    expect(defaultMaxSandboxes(24 * GiB, { guaranteeBytes: 64 * MiB, reserveBytes: 2 * GiB }, 511)).toBe(352);
    expect(defaultMaxSandboxes(256 * GiB, memory, 127)).toBe(127);
    expect(defaultMaxSandboxes(1 * GiB, { guaranteeBytes: 4 * GiB, reserveBytes: GiB }, 127)).toBe(1);
    expect(defaultHostReserve(4 * GiB)).toBe(GiB);
    expect(defaultHostReserve(24 * GiB)).toBe(Math.round(2.4 * GiB));
  });
});

describe('admission by the memory the host has free now', () => {
  it('sends newcomers to the line when memory runs short, stops nobody, and admits them as it comes back', () => {
    let available = 4 * GiB;
    let now = 0;
    const admission = createAdmission(
      { ...limits, maxSandboxes: 100 },
      counter(),
      () => available,
      () => now,
    );
    expect(admission.apply(self('203.0.113.1')).kind).toBe('admit');
    expect(admission.apply(seat('203.0.113.2')).kind).toBe('admit');
    // Just under the reserve and one guarantee: the next waits, though the count bound is far away.
    available = GiB + 255 * MiB;
    expect(admission.apply(seat('203.0.113.3'))).toMatchObject({ kind: 'queue', position: 1 });
    expect(admission.apply(self('203.0.113.4'))).toMatchObject({ kind: 'queue', position: 2 });
    expect(admission.admitWaiting()).toEqual([]);
    expect(admission.stats()).toEqual({ live: 2, waiting: 2, max: 100 });
    // Memory comes back (a cache dropped, a sandbox idle), once the first two show in the reading.
    now = SETTLE_MS;
    available = GiB + 300 * MiB;
    // One guarantee's worth admits one: the reading does not show the newcomer yet.
    expect(admission.admitWaiting().map((entry) => entry.applicant.client)).toEqual(['203.0.113.3']);
    expect(admission.admitWaiting()).toEqual([]);
    now = 2 * SETTLE_MS;
    expect(admission.admitWaiting().map((entry) => entry.applicant.client)).toEqual(['203.0.113.4']);
  });

  it('reads the memory only when the count bound leaves room', () => {
    let reads = 0;
    const admission = createAdmission({ ...limits, maxSandboxes: 1 }, counter(), () => {
      reads += 1;
      return 20 * GiB;
    });
    expect(admission.apply(seat('203.0.113.1')).kind).toBe('admit');
    expect(admission.apply(seat('203.0.113.2')).kind).toBe('queue');
    expect(reads).toBe(1);
  });

  it('counts those just admitted at their guarantee: a room joining at once does not all pass on one reading', () => {
    let now = 0;
    const reading = GiB + 10 * 256 * MiB;
    const admission = createAdmission(
      { ...limits, maxSandboxes: 100 },
      counter(),
      () => reading,
      () => now,
    );
    const decisions = Array.from({ length: 20 }, (_, i) => admission.apply(seat(`198.51.100.${i}`), now));
    expect(decisions.filter((d) => d.kind === 'admit').length).toBe(10);
    expect(admission.admitWaiting()).toEqual([]);
    // The same reading once they have settled (they used nothing after all): the next ten get in.
    now = SETTLE_MS;
    expect(admission.admitWaiting().length).toBe(10);
  });
});

describe('a room on a 24 GiB host, with the default guarantee and reserve', () => {
  const total = 24 * GiB;
  const reserveBytes = defaultHostReserve(total);
  const defaults = { guaranteeBytes: 64 * MiB, reserveBytes };
  /** Learners join one by one, each settling before the next; each then uses `each` (the host and server 1.5 GiB). */
  const fill = (each: number, wanted: number) => {
    let now = 0;
    let live = 0;
    const admission = createAdmission(
      { ...limits, maxSandboxes: defaultMaxSandboxes(total, defaults, 511), memory: defaults },
      counter(),
      () => total - 1.5 * GiB - live * each,
      () => now,
    );
    let admitted = 0;
    for (let i = 0; i < wanted; i++) {
      const decision = admission.apply(seat(`10.1.${i >> 8}.${i & 255}`), now);
      if (decision.kind !== 'admit') return { admitted, decision };
      admitted += 1;
      now += SETTLE_MS;
      live += 1;
    }
    return { admitted, decision: undefined };
  };

  it('admits 250 learners who each run a small container (57 MiB measured)', () => {
    expect(fill(57 * MiB, 250)).toEqual({ admitted: 250, decision: undefined });
  });

  it("puts newcomers in line once a room that builds (182 MiB each, the heaviest lesson's peak) leaves only the reserve", () => {
    const { admitted, decision } = fill(182 * MiB, 250);
    expect(decision).toMatchObject({ kind: 'queue', position: 1 });
    expect(admitted).toBe(Math.ceil((total - 1.5 * GiB - reserveBytes - 64 * MiB) / (182 * MiB)));
  });
});
