// Why a sandbox did not start, whatever backend started it: one sentence a person can act on, the host
// problem it points at (with a problem code, `check`) when the backend recognised one, and the sandbox's
// own trace as the detail (logged once, not shown to learners). Each backend diagnoses its own traces
// (for Docker-in-Docker: dind-diagnosis.ts); the server only reads this.
import type { HostProblem } from '../host/report.ts';

export class SandboxStartError extends Error {
  readonly code = 'sandbox_start_failed';
  /** The sandbox's own output (e.g. its entry point's trace), for the log. */
  readonly detail: string;
  /** A host problem the trace points at, when the backend recognised one. */
  readonly problem: HostProblem | undefined;
  constructor(message: string, detail: string, problem?: HostProblem) {
    super(problem ? problem.message : message);
    this.detail = detail;
    this.problem = problem;
  }
}

/** The problem to show for any failed start: the diagnosed host problem, or the error in one sentence. */
export function startProblem(error: unknown): HostProblem {
  if (error instanceof SandboxStartError && error.problem) return error.problem;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] as string;
  return {
    check: 'sandbox',
    message: `sandboxes cannot start: ${message}`,
    fix: 'run `npm run doctor` on the host; it checks every requirement and starts a test sandbox',
  };
}

/**
 * Tells a new failure from a repeat: a diagnosed failure by its diagnosis; any other by its trace's error
 * lines without what differs between attempts (ids, pids, times, which lines made it into the log).
 */
export function failureKey(error: unknown): string {
  if (!(error instanceof SandboxStartError)) return startProblem(error).message;
  if (error.problem) return `${error.problem.check}: ${error.problem.message}`;
  const errors = error.detail
    .split('\n')
    .filter((line) => /error|denied|fail|fatal|not permitted/i.test(line))
    .map((line) =>
      line
        .replace(/0x[0-9a-f]+|\b[0-9a-f]{12,64}\b/g, '<id>')
        .replace(/\d+/g, '<n>')
        .trim(),
    );
  return [...new Set(errors)].sort().join('\n');
}
