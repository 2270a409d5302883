// Dockhand's own AppArmor profile for the outer sandbox container, loaded where the host runs AppArmor.
// Docker's `docker-default` forbids mount, which a nested rootless engine cannot start without, and
// running unconfined leaves the host's kernel interfaces to the sandbox's other defences alone. This
// profile allows what an engine and its containers do and denies the host interfaces no sandbox needs.
// A rootless engine applies no AppArmor profile of its own (it runs in a user namespace), so the
// learner's inner containers run under this profile too.
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';

export const SANDBOX_APPARMOR_PROFILE = 'dockhand-sandbox';

/** The kernel interfaces AppArmor is asked about (one owner; the doctor and the loader read them). */
const APPARMOR_ENABLED = '/sys/module/apparmor/parameters/enabled';
const USERNS_MEDIATION = '/sys/kernel/security/apparmor/features/namespaces/userns_create';

export type AppArmorHost = {
  /** The kernel runs AppArmor. */
  enabled: boolean;
  /** AppArmor 4 mediates creating user namespaces (Ubuntu 23.10+): the profile must grant it. */
  mediatesUserns: boolean;
};

/** How sandboxes are confined by AppArmor on this host. */
export type AppArmorConfinement = { state: 'absent' } | { state: 'loaded'; profile: string } | { state: 'off'; reason: string };

export async function readAppArmorHost(): Promise<AppArmorHost> {
  // Either file is missing where the kernel lacks what it tells of (AppArmor; its user namespace mediation).
  const enabled = (await readFile(APPARMOR_ENABLED, 'utf8').catch(() => 'N')).trim() === 'Y';
  const mediatesUserns =
    enabled &&
    (await access(USERNS_MEDIATION).then(
      () => true,
      () => false,
    ));
  return { enabled, mediatesUserns };
}

/** The profile's text. Self-contained (no includes), so any parser compiles it without a policy tree. */
export function sandboxProfileText(host: Pick<AppArmorHost, 'mediatesUserns'>): string {
  // `userns` exists from AppArmor 4's ABI on; a 3.x parser rejects it, and a kernel that does not
  // mediate user namespaces does not need it.
  const abi = host.mediatesUserns ? '4.0' : '3.0';
  return `abi <abi/${abi}>,

profile ${SANDBOX_APPARMOR_PROFILE} flags=(attach_disconnected,mediate_deleted) {
  # What an engine and its containers do: the kernel still limits each to its user namespace.
  file,
  network,
  capability,
  unix,
  mount,
  remount,
  umount,
  pivot_root,
${host.mediatesUserns ? '  userns,\n' : ''}  signal (send, receive) peer=${SANDBOX_APPARMOR_PROFILE},
  signal (receive) peer=unconfined,
  ptrace (trace, read, tracedby, readby) peer=${SANDBOX_APPARMOR_PROFILE},
  ptrace (tracedby, readby) peer=unconfined,

  # The host's kernel interfaces, never a sandbox's: writes to /proc itself and to other processes'
  # directories, sysctls outside the sandbox's own network namespace and kernel.shm*, and the files
  # that reach the host's memory, firmware and security modules.
  deny /proc/* w,
  deny /proc/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}/** w,
  deny /proc/sys/[^kn]** w,
  deny /proc/sys/kernel/{?,??,[^s][^h][^m]**} w,
  deny /proc/sysrq-trigger rwklx,
  deny /proc/kcore rwklx,
  deny /proc/kmsg rwklx,
  deny /sys/firmware/** rwklx,
  deny /sys/kernel/security/** rwklx,
  deny /sys/kernel/debug/** rwklx,
  deny /sys/devices/virtual/powercap/** rwklx,
}
`;
}

type RunParser = (args: string[], input: string) => Promise<void>;

/** The host's `apparmor_parser`, fed the profile on standard input. */
export const runHostParser: RunParser = (args, input) =>
  new Promise((resolve, reject) => {
    const child = execFile('apparmor_parser', args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      // A missing parser keeps its ENOENT; a refusal says the parser's own words.
      if (error) reject(typeof error.code === 'string' ? error : new Error(stderr.trim() || error.message));
      else resolve();
    });
    child.stdin?.end(input);
  });

/**
 * Loads (or replaces) the profile where the host runs AppArmor and says how sandboxes are confined.
 * `wanted: false` is the operator's opt-out (DOCKHAND_APPARMOR=off).
 */
export async function loadSandboxProfile(
  host: AppArmorHost,
  wanted: boolean,
  runParser: RunParser = runHostParser,
): Promise<AppArmorConfinement> {
  if (!host.enabled) return { state: 'absent' };
  if (!wanted) return { state: 'off', reason: 'DOCKHAND_APPARMOR=off is set' };
  try {
    await runParser(['--replace', '--skip-cache'], sandboxProfileText(host));
    return { state: 'loaded', profile: SANDBOX_APPARMOR_PROFILE };
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'apparmor_parser is not installed' : String((error as Error).message);
    return { state: 'off', reason };
  }
}

/** A line for the server's log, where AppArmor runs. */
export function describeConfinement(confinement: AppArmorConfinement): string | undefined {
  if (confinement.state === 'loaded') return `sandboxes run under Dockhand's AppArmor profile ${confinement.profile}`;
  if (confinement.state === 'off') return `AppArmor runs here, but sandboxes run unconfined by it: ${confinement.reason}`;
  return undefined;
}

/** The container's security option for a confinement. */
export function apparmorSecurityOpt(confinement: AppArmorConfinement): string {
  return `apparmor=${confinement.state === 'loaded' ? confinement.profile : 'unconfined'}`;
}
