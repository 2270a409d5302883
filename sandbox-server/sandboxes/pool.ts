// A warm pool: a few sandboxes started and ready, so a new learner gets a prompt at once. Claiming
// takes a ready one (or starts one cold when none is ready) and refills in the background.
import type { Sandbox } from './backend.ts';

export type PoolDeps = {
  launch: () => Promise<Sandbox>;
  destroy: (sandbox: Sandbox) => Promise<void>;
  onError: (error: unknown) => void;
  /** Sandboxes started at once while filling; the machine's cores bound what helps. */
  concurrency?: number;
};

export type PoolStats = { target: number; ready: number; starting: number };

export type Pool = {
  claim(): Promise<{ sandbox: Sandbox; warm: boolean }>;
  resize(target: number): void;
  stats(): PoolStats;
  /** Stops filling, waits for starts in flight, and destroys every unclaimed sandbox. */
  close(): Promise<void>;
};

export function createPool(initialTarget: number, deps: PoolDeps): Pool {
  const ready: Sandbox[] = [];
  const inFlight = new Set<Promise<void>>();
  const concurrency = deps.concurrency ?? 1;
  let target = initialTarget;
  let closed = false;

  function fill(): void {
    while (!closed && ready.length + inFlight.size < target && inFlight.size < concurrency) {
      const start: Promise<void> = deps
        .launch()
        .then(async (sandbox) => {
          if (closed) await deps.destroy(sandbox);
          else ready.push(sandbox);
        })
        .catch(deps.onError)
        .finally(() => {
          inFlight.delete(start);
          fill();
        });
      inFlight.add(start);
    }
  }

  fill();
  return {
    async claim() {
      if (closed) throw new Error('the sandbox pool is shut down');
      const sandbox = ready.shift();
      fill();
      if (sandbox) return { sandbox, warm: true };
      return { sandbox: await deps.launch(), warm: false };
    },
    resize(next) {
      target = Math.max(0, next);
      while (ready.length > target) {
        const extra = ready.pop() as Sandbox;
        deps.destroy(extra).catch(deps.onError);
      }
      fill();
    },
    stats: () => ({ target, ready: ready.length, starting: inFlight.size }),
    async close() {
      closed = true;
      while (inFlight.size > 0) await Promise.all(inFlight);
      await Promise.all(ready.splice(0).map((sandbox) => deps.destroy(sandbox).catch(deps.onError)));
    },
  };
}
