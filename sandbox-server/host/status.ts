// Whether sandboxes can start on this host right now: the preflight's blocking problems (re-checked
// while the server runs) and the last failed sandbox start, until a start succeeds again.
import { type CheckRow, type HostProblem, sandboxBlockers } from './report.ts';

export type HostStatus = {
  problems(): HostProblem[];
  /** The latest preflight rows (the server re-runs it while it runs). */
  setPreflight(rows: readonly CheckRow[]): void;
  startFailed(problem: HostProblem): void;
  startSucceeded(): void;
};

export function createHostStatus(): HostStatus {
  let blockers: HostProblem[] = [];
  let failedStart: HostProblem | undefined;
  return {
    problems() {
      // A failed start that the preflight already explains is said once.
      const extra = failedStart && !blockers.some((problem) => problem.check === failedStart?.check) ? [failedStart] : [];
      return [...blockers, ...extra];
    },
    setPreflight(rows) {
      blockers = sandboxBlockers(rows);
    },
    startFailed(problem) {
      failedStart = problem;
    },
    startSucceeded() {
      failedStart = undefined;
    },
  };
}
