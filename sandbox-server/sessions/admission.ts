// Who may start a sandbox now. A bound on all live sandboxes (what the host can hold by each one's
// guarantee), the memory the host really has free now (newcomers wait while it runs short; nobody running
// is ever stopped to make room), a bound per
// client address on self-paced sessions (a loop from one address cannot fill the host), a rate limit on
// creating sessions per address, and a waiting line for when the host is full, in which workshop
// participants go first (their seats were promised; a room behind one NAT address must all get in, so
// the per-address bound does not apply to them, and their rate is their room's: rate-limit.ts). A client is a key from http/client.ts (an IPv6 client
// counts by its /64).

import type { MemoryReading } from './host-memory.ts';
import { createRateLimit, type Rate, type Room } from './rate-limit.ts';

export type AdmissionLimits = {
  /** Live sandboxes at most (DOCKHAND_MAX_SANDBOXES). */
  maxSandboxes: number;
  /**
   * What each sandbox is admitted against (DOCKHAND_SANDBOX_GUARANTEE; its limit may be far higher) and
   * what the host keeps for itself and the server (DOCKHAND_HOST_RESERVE): a newcomer is admitted only
   * while the memory available now, less a guarantee for each sandbox admitted too recently to show in
   * it, leaves the reserve and one guarantee.
   */
  memory: { guaranteeBytes: number; reserveBytes: number };
  /** Self-paced live or waiting sessions per client address (DOCKHAND_SESSIONS_PER_CLIENT). */
  perClient: number;
  /** Session creations per client address: a bucket of `burst` that refills `perMinute` a minute. */
  rate: Rate;
};

/** Who asks: their client key, and the workshop room they join (null: self-paced). */
export type Applicant = { client: string; workshop: Room | null };

export type Refusal = {
  code: 'too_many_sessions' | 'rate_limited';
  error: string;
  retryAfterSeconds: number;
};

export type Decision = { kind: 'admit' } | { kind: 'queue'; id: string; position: number } | ({ kind: 'refuse' } & Refusal);

export type Admission = {
  /** Asks for a sandbox; an admitted applicant holds a place until `release`. */
  apply(applicant: Applicant, now?: number): Decision;
  /** Counts a session that already lives (re-adopted after a restart). */
  hold(applicant: Applicant): void;
  /** A live session ended (or an admitted start failed): its place goes to the next in line. */
  release(applicant: Applicant): void;
  /** Takes those first in line for whom there is room now (each then holds a place). */
  admitWaiting(): { id: string; applicant: Applicant }[];
  /** 1-based place in line, or undefined once admitted or gone. */
  position(id: string): number | undefined;
  /** Someone in line gave up (closed the page, ended the session). */
  leave(id: string): void;
  stats(): { live: number; waiting: number; max: number };
};

type Waiting = { id: string; applicant: Applicant };

/**
 * How long a newly admitted sandbox is counted at its guarantee on top of the memory the host reports:
 * its engine and its learner's first container take that long to show in MemAvailable, so a room that
 * joins at once cannot all pass on one reading taken before any of them started.
 */
export const SETTLE_MS = 30_000;

export function createAdmission(
  limits: AdmissionLimits,
  newId: () => string,
  memoryAvailable: MemoryReading,
  clock: () => number = Date.now,
): Admission {
  let live = 0;
  /** When each of the recent admissions happened, oldest first. */
  const settling: number[] = [];
  const room = (now: number) => {
    if (live >= limits.maxSandboxes) return false;
    while (settling.length > 0 && (settling[0] as number) <= now - SETTLE_MS) settling.shift();
    const { guaranteeBytes, reserveBytes } = limits.memory;
    return memoryAvailable() - reserveBytes - settling.length * guaranteeBytes >= guaranteeBytes;
  };
  const liveByClient = new Map<string, number>();
  const line: Waiting[] = [];
  const rateLimit = createRateLimit(limits.rate);

  const selfPacedOf = (client: string) =>
    (liveByClient.get(client) ?? 0) + line.filter((entry) => !entry.applicant.workshop && entry.applicant.client === client).length;

  function take(applicant: Applicant, now?: number): void {
    live += 1;
    if (now !== undefined) settling.push(now);
    if (!applicant.workshop) liveByClient.set(applicant.client, (liveByClient.get(applicant.client) ?? 0) + 1);
  }

  return {
    apply(applicant, now = clock()) {
      const wait = applicant.workshop
        ? rateLimit.takeInRoom(applicant.client, applicant.workshop, now)
        : rateLimit.take(applicant.client, now);
      if (wait !== undefined) {
        return {
          kind: 'refuse',
          code: 'rate_limited',
          retryAfterSeconds: wait,
          error: `too many new sessions from your address; try again in ${wait} s`,
        };
      }
      if (!applicant.workshop && selfPacedOf(applicant.client) >= limits.perClient) {
        return {
          kind: 'refuse',
          code: 'too_many_sessions',
          retryAfterSeconds: 60,
          error: `your address already has ${limits.perClient} sandbox${limits.perClient === 1 ? '' : 'es'}; end one (or use the one you have) before starting another`,
        };
      }
      // Nobody overtakes the line, except a participant overtaking self-paced learners.
      const ahead = line.filter((entry) => entry.applicant.workshop || !applicant.workshop).length;
      if (ahead === 0 && room(now)) {
        take(applicant, now);
        return { kind: 'admit' };
      }
      const id = newId();
      line.splice(ahead, 0, { id, applicant });
      return { kind: 'queue', id, position: ahead + 1 };
    },
    // A session from before a restart: its memory shows already.
    hold: (applicant) => take(applicant),
    release(applicant) {
      live = Math.max(0, live - 1);
      if (!applicant.workshop) {
        const left = (liveByClient.get(applicant.client) ?? 1) - 1;
        if (left > 0) liveByClient.set(applicant.client, left);
        else liveByClient.delete(applicant.client);
      }
    },
    admitWaiting() {
      const admitted: Waiting[] = [];
      const now = clock();
      while (line.length > 0 && room(now)) {
        const next = line.shift() as Waiting;
        take(next.applicant, now);
        admitted.push(next);
      }
      return admitted;
    },
    position(id) {
      const index = line.findIndex((entry) => entry.id === id);
      return index === -1 ? undefined : index + 1;
    },
    leave(id) {
      const index = line.findIndex((entry) => entry.id === id);
      if (index !== -1) line.splice(index, 1);
    },
    stats: () => ({ live, waiting: line.length, max: limits.maxSandboxes }),
  };
}

/**
 * The default bound on live sandboxes: what the subnet holds, and what the host's memory holds at each
 * sandbox's guarantee once the reserve is kept (limits are ceilings: an idle sandbox measured 43 MiB of
 * its 1 GiB, one running nginx 57 MiB).
 */
export function defaultMaxSandboxes(hostMemoryBytes: number, memory: AdmissionLimits['memory'], subnetCapacity: number): number {
  const byMemory = Math.floor((hostMemoryBytes - memory.reserveBytes) / memory.guaranteeBytes);
  return Math.max(1, Math.min(subnetCapacity, byMemory));
}

/** What the host keeps for itself and the server by default: a tenth of its memory, at least 1 GiB. */
export function defaultHostReserve(hostMemoryBytes: number): number {
  return Math.max(1024 ** 3, Math.round(hostMemoryBytes / 10));
}
