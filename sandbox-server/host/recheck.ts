// The host's checks while Dockhand runs: the preflight at start (which stops a start Dockhand cannot
// make), then again now and then, because the host can change underneath (a device node reset, a
// sysctl). While a problem stands it is checked at every sweep, so a fix is noticed soon.
import { assertRunnable, runPreflight } from '../preflight.ts';
import type { HostChecks } from '../sandboxes/backend.ts';
import { type CheckRow, formatReport } from './report.ts';
import type { HostStatus } from './status.ts';

/** How often a healthy host is checked again. */
export const HOST_RECHECK_MS = 60_000;

export type HostWatchDeps = {
  /** The sandbox backend's own rows (BackendHost.hostChecks). */
  hostChecks: HostChecks;
  /** DOCKHAND_FIX_HOST */
  fix: boolean;
  hostStatus: HostStatus;
  log(line: string): void;
};

/** Checks the host at start (and the port the server will bind); refuses to go on when Dockhand cannot run. */
export async function checkHostAtStart(deps: HostWatchDeps, listen: { host: string; port: number }): Promise<CheckRow[]> {
  const rows = await runPreflight(deps.hostChecks, { fix: deps.fix, listen });
  for (const line of formatReport(rows)) deps.log(`preflight: ${line}`);
  assertRunnable(rows);
  deps.hostStatus.setPreflight(rows);
  return rows;
}

/** A re-check to call at every sweep: it runs when due (or while a problem stands), never two at once, and logs only changes. */
export function hostRecheck(deps: HostWatchDeps, atStart: readonly CheckRow[], everyMs = HOST_RECHECK_MS): () => Promise<void> {
  let last = summary(atStart);
  let lastRecheck = Date.now();
  let rechecking = false;
  return async () => {
    if (rechecking || (deps.hostStatus.problems().length === 0 && Date.now() - lastRecheck < everyMs)) return;
    rechecking = true;
    try {
      const rows = await runPreflight(deps.hostChecks, { fix: deps.fix });
      deps.hostStatus.setPreflight(rows);
      const now = summary(rows);
      if (now !== last) for (const line of formatReport(rows.filter((row) => row.status !== 'ok'))) deps.log(`preflight: ${line}`);
      last = now;
    } finally {
      rechecking = false;
      lastRecheck = Date.now();
    }
  };
}

function summary(rows: readonly CheckRow[]): string {
  return rows.map((row) => `${row.check}:${row.status}`).join(' ');
}
