// Why a sandbox did not start, in one sentence a person can act on. The entrypoint's trace is kept as
// the error's detail (logged once, not shown to learners).
import type { HostProblem } from '../host/report.ts';
import { TUN_DEVICE } from './preflight.ts';

export class SandboxStartError extends Error {
  readonly code = 'sandbox_start_failed';
  /** The sandbox's own output (the entrypoint's trace), for the log. */
  readonly detail: string;
  /** A host problem the trace points at, when it points at one. */
  readonly problem: HostProblem | undefined;
  constructor(message: string, detail: string) {
    const problem = diagnoseStart(detail);
    super(problem ? problem.message : message);
    this.detail = detail;
    this.problem = problem;
  }
}

const RULES: { check: string; pattern: RegExp; message: string; fix: string }[] = [
  {
    check: 'tun',
    pattern: /(tap0|\/dev\/net\/tun)[^\n]*permission denied|open: permission denied/i,
    message: `sandboxes cannot start: the learner cannot open ${TUN_DEVICE}, which the sandbox's engine needs for its network.`,
    fix: `chmod 0666 ${TUN_DEVICE} on the host (as udev does on mainstream distributions)`,
  },
  {
    check: 'tun',
    pattern: /\/dev\/net\/tun[^\n]*no such (file|device)/i,
    message: `sandboxes cannot start: ${TUN_DEVICE} is missing on the host.`,
    fix: 'modprobe tun on the host',
  },
  {
    check: 'userns',
    pattern: /newuidmap|user namespace|unshare[^\n]*(operation not permitted|no space left)/i,
    message: "sandboxes cannot start: the host does not let the sandbox's rootless engine create a user namespace.",
    fix: 'run `npm run doctor` on the host; it names the sysctl or AppArmor setting to change',
  },
];

export function diagnoseStart(trace: string): HostProblem | undefined {
  const rule = RULES.find((candidate) => candidate.pattern.test(trace));
  return rule ? { check: rule.check, message: rule.message, fix: rule.fix } : undefined;
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
