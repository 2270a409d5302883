// A token bucket per client address: `burst` at once, refilling `perMinute` a minute. Shared by
// everything that one address could repeat to exhaust the host or to guess (sessions, learners,
// resume codes).

export type Rate = { perMinute: number; burst: number };

export type RateLimit = {
  /** Takes one token: undefined when allowed, else the whole seconds until the next token. */
  take(client: string, now?: number): number | undefined;
  /** Whether a token is there, without taking it (for limits that count only failures): as `take`. */
  check(client: string, now?: number): number | undefined;
};

/** Buckets are dropped once this many exist and they have refilled, so a flood of addresses cannot grow memory. */
const PRUNE_AT = 10_000;

export function createRateLimit(rate: Rate): RateLimit {
  const perMs = rate.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refilled = (bucket: { tokens: number; at: number }, now: number) => Math.min(rate.burst, bucket.tokens + (now - bucket.at) * perMs);

  const wait = (tokens: number) => Math.ceil((1 - tokens) / perMs / 1000);

  return {
    check(client, now = Date.now()) {
      const bucket = buckets.get(client);
      const tokens = bucket ? refilled(bucket, now) : rate.burst;
      return tokens >= 1 ? undefined : wait(tokens);
    },
    take(client, now = Date.now()) {
      if (buckets.size >= PRUNE_AT) for (const [key, bucket] of buckets) if (refilled(bucket, now) >= rate.burst) buckets.delete(key);
      const bucket = buckets.get(client) ?? { tokens: rate.burst, at: now };
      bucket.tokens = refilled(bucket, now);
      bucket.at = now;
      buckets.set(client, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return undefined;
      }
      return wait(bucket.tokens);
    },
  };
}
