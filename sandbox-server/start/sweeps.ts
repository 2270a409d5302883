// What Dockhand does on a clock while it runs: sessions against their timeouts, the host's re-check and
// the pool's size at every sweep; kept disks against the retention policy less often (and once at start).
import type { SandboxBackend } from '../sandboxes/backend.ts';
import { KEPT_DISK_SWEEP_MS } from '../sandboxes/retention.ts';
import type { Sessions } from '../sessions/sessions.ts';

export type SweepDeps = {
  sessions: Sessions;
  sandboxes: SandboxBackend;
  recheckHost(): Promise<void>;
  resizePool(): void;
  /** DOCKHAND_SWEEP_INTERVAL */
  intervalMs: number;
  log(line: string): void;
};

/** Starts the sweeps once kept disks were swept a first time; `stop` ends them. */
export async function startSweeps(deps: SweepDeps): Promise<{ stop(): void }> {
  const { log } = deps;
  const sweepKeptDisks = () =>
    deps.sandboxes
      .sweepKeptDisks()
      .then((keys) => keys.length > 0 && log(`deleted ${keys.length} kept disk(s) past DOCKHAND_KEEP_DISKS or DOCKHAND_KEPT_DISKS_MAX`))
      .catch((error: Error) => log(`sweeping kept disks failed: ${error.message}`));
  await sweepKeptDisks();
  const diskSweeper = setInterval(sweepKeptDisks, KEPT_DISK_SWEEP_MS);
  const sweeper = setInterval(() => {
    deps.sessions.sweep().catch((error: Error) => log(`timeout sweep failed: ${error.message}`));
    deps.recheckHost().catch((error: Error) => log(`preflight failed: ${error.message}`));
    deps.resizePool();
  }, deps.intervalMs);
  return {
    stop() {
      clearInterval(sweeper);
      clearInterval(diskSweeper);
    },
  };
}
