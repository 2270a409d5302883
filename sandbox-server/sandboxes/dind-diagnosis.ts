// What a Docker-in-Docker sandbox's trace says about the host: the rootless engine's and RootlessKit's
// words for a host that lacks what sandboxes need, each turned into a host problem with its fix.
import type { HostProblem } from '../host/report.ts';
import { TUN_DEVICE } from './preflight.ts';
import { SandboxStartError } from './start-error.ts';

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

/** A failed start with the sandbox's trace, and the host problem the trace points at, if any. */
export function dindStartError(message: string, trace: string): SandboxStartError {
  return new SandboxStartError(message, trace, diagnoseStart(trace));
}
