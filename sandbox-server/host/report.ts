// What the preflight says about the host: one row per check, printed as a table at every start and by
// `npm run doctor`. A problem row carries the command (or the choice) that fixes it.

export type CheckStatus = 'ok' | 'fixed' | 'warning' | 'problem';

export type CheckRow = {
  /** Stable id of the check, e.g. "tun" or "userns". */
  check: string;
  status: CheckStatus;
  /** One sentence: what was found (and, when fixed, what was done). */
  message: string;
  /** For a warning or problem: the command or choice that fixes it. */
  fix?: string;
  /** A problem that stops every sandbox from starting (the server still serves pages and says so). */
  blocksSandboxes?: boolean;
  /** A problem that stops Dockhand itself from starting. */
  fatal?: boolean;
};

/** What health and the API show of a problem. */
export type HostProblem = { check: string; message: string; fix?: string };

export function problemsOf(rows: readonly CheckRow[]): HostProblem[] {
  return rows
    .filter((row) => row.status === 'problem')
    .map(({ check, message, fix }) => (fix ? { check, message, fix } : { check, message }));
}

export function sandboxBlockers(rows: readonly CheckRow[]): HostProblem[] {
  return problemsOf(rows.filter((row) => row.blocksSandboxes || row.fatal));
}

const MARK: Record<CheckStatus, string> = { ok: 'ok', fixed: 'fixed', warning: 'warning', problem: 'PROBLEM' };

/** A plain-text table: status, check, what was found, and on the next line how to fix it. */
export function formatReport(rows: readonly CheckRow[]): string[] {
  const checkWidth = Math.max(...rows.map((row) => row.check.length), 8);
  return rows.flatMap((row) => {
    const line = `${MARK[row.status].padEnd(7)}  ${row.check.padEnd(checkWidth)}  ${row.message}`;
    return row.fix && row.status !== 'ok' ? [line, `${' '.repeat(9 + checkWidth)}  fix: ${row.fix}`] : [line];
  });
}
