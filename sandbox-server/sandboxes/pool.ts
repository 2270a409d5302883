// A warm pool: a few sandboxes started and ready, so a new learner gets a prompt at once. Claiming
// takes a ready one (or starts one cold when none is ready) and refills in the background.
// When starts fail (a host problem), the pool waits before the next attempt, doubling the wait up to a
// cap, and keeps one attempt going even when it holds nothing, so it notices by itself when the host
// has been fixed. The pool holds only fresh sandboxes: a learner with a kept disk gets a sandbox started
// on it, cold.
// A sandbox can die while it waits (the host's engine restarted): a claimed one is proven alive before
// a learner gets it, and the pool drops what it is told stopped (or finds dead when asked to re-check),
// so what it counts as ready is what lives.
import { DockhandError } from '../errors.ts';
import type { Sandbox, StartedSandbox, StartOptions } from './backend.ts';

export type RetryPolicy = { initialMs: number; maxMs: number };

export type PoolFailure = { error: unknown; consecutive: number; retryInMs: number };

export type PoolDeps = {
  launch: (options?: StartOptions) => Promise<StartedSandbox>;
  /** Whether a disk is kept under the key (then a claim with it resumes instead of taking a warm one). */
  hasKeptDisk?: (key: string) => Promise<boolean>;
  destroy: (sandbox: Sandbox) => Promise<void>;
  /**
   * Whether a sandbox still answers (its engine and a shell) within `timeoutMs`; a dead one is replaced,
   * never handed out.
   */
  isAlive?: (sandbox: Sandbox, timeoutMs: number) => Promise<boolean>;
  /**
   * Readies a started sandbox before it waits in the pool (its first shell), so a claim finds less to
   * do; a failure leaves the sandbox as it is, still good (what was not readied happens on first use).
   */
  prepare?: (sandbox: Sandbox) => Promise<void>;
  /** A sandbox the pool held was found dead and replaced. */
  onDead?: (sandbox: Sandbox) => void;
  /** A start failed (from filling or from a cold claim). */
  onFailure: (failure: PoolFailure) => void;
  /** A start succeeded after one or more failures. */
  onRecovered?: () => void;
  /** Removing a sandbox the pool no longer wants failed. */
  onError: (error: unknown) => void;
  /** Sandboxes started at once while filling; the machine's cores bound what helps. */
  concurrency?: number;
  retry?: RetryPolicy;
};

export type PoolStats = {
  target: number;
  ready: number;
  starting: number;
  /** Starts that failed in a row; 0 once one succeeds. */
  failures: number;
  /** Held sandboxes found dead (and replaced) since the pool began. */
  dead: number;
};

export type Claimed = { sandbox: Sandbox; warm: boolean; resumed: boolean };

export type Pool = {
  /** A ready sandbox, or one started now; with a diskKey whose disk is kept, one started on that disk. */
  claim(options?: StartOptions): Promise<Claimed>;
  resize(target: number): void;
  /** A sandbox stopped by itself: if the pool holds it, it is dropped and replaced; false when not held. */
  stopped(id: string): boolean;
  /** Proves every held sandbox alive, replacing the dead (after news may have been missed). */
  recheck(): Promise<void>;
  stats(): PoolStats;
  /**
   * Stops filling, waits for starts in flight, and destroys every unclaimed sandbox (or, with
   * `remove: false` when the backend is known to be gone, only forgets them); gives how many it removed.
   */
  close(options?: { remove?: boolean }): Promise<number>;
};

const DEFAULT_RETRY: RetryPolicy = { initialMs: 1000, maxMs: 60_000 };

export const RESUME_FAILED =
  'Your sandbox from last time could not start again (something in its saved engine data is broken). Your kept work stays until you choose: try again, or start fresh without it.';

/** The wait before the next attempt after `consecutive` failures: initial, doubled each time, capped. */
export function retryDelay(consecutive: number, policy: RetryPolicy): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, consecutive - 1));
}

/**
 * What a proof of life may take while `together` run at once. A room joining at once slows every one of
 * them down, and a healthy sandbox taken for dead would be replaced by a cold start, slower still.
 */
export function proofTimeout(together: number): number {
  return 5_000 + 250 * together;
}

export function createPool(initialTarget: number, deps: PoolDeps): Pool {
  const ready: Sandbox[] = [];
  const inFlight = new Set<Promise<void>>();
  const concurrency = deps.concurrency ?? 1;
  const retry = deps.retry ?? DEFAULT_RETRY;
  let target = initialTarget;
  let failures = 0;
  let dead = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  /**
   * Claims on their way to a ready sandbox. A shrinking target leaves them theirs: in a room joining at
   * once, the demand for warm sandboxes drops as each person is seated, before their claim takes one.
   */
  let arriving = 0;

  /** While starts fail, one probe runs even at target 0: its success is how recovery is noticed. */
  const wanted = () => (failures > 0 ? Math.max(target, 1) : target);

  function failed(error: unknown): void {
    failures += 1;
    const retryInMs = retryDelay(failures, retry);
    deps.onFailure({ error, consecutive: failures, retryInMs });
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      fill();
    }, retryInMs);
    retryTimer.unref();
  }

  function succeeded(): void {
    if (failures === 0) return;
    failures = 0;
    deps.onRecovered?.();
  }

  function fill(): void {
    while (!closed && !retryTimer && ready.length + inFlight.size < wanted() && inFlight.size < concurrency) {
      const start: Promise<void> = deps
        .launch()
        .then(async (sandbox) => {
          succeeded();
          await deps.prepare?.(sandbox).catch(() => {});
          if (closed || ready.length >= target) await deps.destroy(sandbox);
          else ready.push(sandbox);
        }, failed)
        .catch(deps.onError)
        .finally(() => {
          inFlight.delete(start);
          fill();
        });
      inFlight.add(start);
    }
  }

  /** Drops a sandbox found dead: it is removed, and a fresh one starts in its place. */
  function discard(sandbox: Sandbox): void {
    dead += 1;
    deps.onDead?.(sandbox);
    deps.destroy(sandbox).catch(deps.onError);
    fill();
  }

  let proving = 0;
  const alive = async (sandbox: Sandbox) => {
    if (!deps.isAlive) return true;
    proving += 1;
    try {
      return await deps.isAlive(sandbox, proofTimeout(proving));
    } finally {
      proving -= 1;
    }
  };

  /**
   * The next ready sandbox that proves alive; the dead ones on the way are replaced. Only those ready
   * when the claim began are tried: replacements that start faster than a proof (and die as fast) would
   * otherwise keep the claim going for ever.
   */
  async function takeLive(): Promise<Sandbox | undefined> {
    for (let tries = ready.length; tries > 0; tries--) {
      const sandbox = ready.shift();
      if (!sandbox) break;
      fill();
      if (await alive(sandbox)) return sandbox;
      discard(sandbox);
    }
    return undefined;
  }

  fill();
  return {
    async claim(options = {}) {
      if (closed) throw new Error('the sandbox pool is shut down');
      const { diskKey } = options;
      arriving += 1;
      let resume: boolean;
      try {
        resume = diskKey !== undefined && (await deps.hasKeptDisk?.(diskKey)) === true;
      } finally {
        arriving -= 1;
      }
      const sandbox = resume ? undefined : await takeLive();
      fill();
      if (sandbox) return { sandbox, warm: true, resumed: false };
      try {
        const cold = await deps.launch(resume ? { diskKey } : {});
        succeeded();
        return { sandbox: cold, warm: false, resumed: cold.resumed };
      } catch (error) {
        // A kept disk that does not start again is that learner's problem, not the host's: only a fresh
        // sandbox on a fresh disk that fails counts towards the host's health (and its retries).
        if (resume) throw new DockhandError('resume_failed', RESUME_FAILED, undefined, { cause: error });
        failed(error);
        throw error;
      }
    },
    resize(next) {
      target = Math.max(0, next);
      while (ready.length > target + arriving) {
        const extra = ready.pop() as Sandbox;
        deps.destroy(extra).catch(deps.onError);
      }
      fill();
    },
    stopped(id) {
      const index = ready.findIndex((sandbox) => sandbox.id === id);
      if (index < 0) return false;
      discard(ready.splice(index, 1)[0] as Sandbox);
      return true;
    },
    async recheck() {
      const held = [...ready];
      const verdicts = await Promise.all(held.map(alive));
      held.forEach((sandbox, i) => {
        const index = ready.indexOf(sandbox);
        // Claimed meanwhile: the claim proved it itself.
        if (!verdicts[i] && index >= 0) discard(ready.splice(index, 1)[0] as Sandbox);
      });
    },
    stats: () => ({ target, ready: ready.length, starting: inFlight.size, failures, dead }),
    async close({ remove = true } = {}) {
      closed = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      while (inFlight.size > 0) await Promise.all(inFlight);
      const unclaimed = ready.splice(0);
      if (!remove) return 0;
      const removed = await Promise.all(
        unclaimed.map((sandbox) =>
          deps.destroy(sandbox).then(
            () => true,
            (error: unknown) => {
              deps.onError(error);
              return false;
            },
          ),
        ),
      );
      return removed.filter(Boolean).length;
    },
  };
}
