// What one session may ask of the host's engine per second. Every file call, terminal connection, port
// list and check is a `docker exec` or an inspect on the host's one Docker Engine, which every learner
// shares: a learner's script that loops over the API would slow everyone's terminals. A person clicking
// and typing stays far below the bound.
import { DockhandError } from '../errors.ts';
import { createRateLimit, type Rate } from '../sessions/rate-limit.ts';

/** 10 calls a second, 60 at once: a page load with its terminals, files and ports takes about 10. */
export const SANDBOX_CALLS: Rate = { perMinute: 600, burst: 60 };

/** Counts one call for a session; refuses with rate_limited (429, Retry-After) past the bound. */
export type SandboxCallLimit = (sessionId: string) => void;

export function createSandboxCallLimit(rate: Rate = SANDBOX_CALLS): SandboxCallLimit {
  const limit = createRateLimit(rate);
  return (sessionId) => {
    const wait = limit.take(sessionId);
    if (wait !== undefined)
      throw new DockhandError('rate_limited', `Too many requests to your sandbox in a short time; try again in ${wait} s.`, wait);
  };
}
