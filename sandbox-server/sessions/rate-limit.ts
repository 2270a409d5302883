// A token bucket per client address: `burst` at once, refilling `perMinute` a minute. Shared by
// everything that one address could repeat to exhaust the host or to guess (sessions, learners,
// resume codes). A workshop's room joins at once, often from behind one address (venue Wi-Fi behind
// NAT): its joiners from an address share a bucket of their own, as large as the room.

export type Rate = { perMinute: number; burst: number };

/** A workshop's room: its code and how many people it holds (its seats, else the people expected). */
export type Room = { workshop: string; size: number };

export type RateLimit = {
  /** Takes one token: undefined when allowed, else the whole seconds until the next token. */
  take(client: string, now?: number): number | undefined;
  /** As `take`, for joiners of a workshop from this address: a bucket of `room.size` (at least the usual burst). */
  takeInRoom(client: string, room: Room, now?: number): number | undefined;
  /** Whether a token is there, without taking it (for limits that count only failures): as `take`. */
  check(client: string, now?: number): number | undefined;
};

/** Buckets are dropped once this many exist and they have refilled, so a flood of addresses cannot grow memory. */
const PRUNE_AT = 10_000;

type Bucket = { tokens: number; at: number; burst: number };

export function createRateLimit(rate: Rate): RateLimit {
  const perMs = rate.perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  const refilled = (bucket: Bucket, now: number) => Math.min(bucket.burst, bucket.tokens + (now - bucket.at) * perMs);

  const wait = (tokens: number) => Math.ceil((1 - tokens) / perMs / 1000);

  function take(key: string, now: number, burst: number): number | undefined {
    if (buckets.size >= PRUNE_AT) for (const [old, bucket] of buckets) if (refilled(bucket, now) >= bucket.burst) buckets.delete(old);
    const bucket = buckets.get(key) ?? { tokens: burst, at: now, burst };
    // A room that grew (more seats) gets the difference at once.
    if (burst > bucket.burst) bucket.tokens += burst - bucket.burst;
    bucket.burst = burst;
    bucket.tokens = refilled(bucket, now);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return wait(bucket.tokens);
  }

  return {
    check(client, now = Date.now()) {
      const bucket = buckets.get(client);
      const tokens = bucket ? refilled(bucket, now) : rate.burst;
      return tokens >= 1 ? undefined : wait(tokens);
    },
    take: (client, now = Date.now()) => take(client, now, rate.burst),
    takeInRoom: (client, room, now = Date.now()) => take(`${client} in ${room.workshop}`, now, Math.max(rate.burst, room.size)),
  };
}
