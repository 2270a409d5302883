// What this sandbox backend needs from the host, checked before learners arrive: a rootful Docker
// Engine on this machine that manages iptables, /dev/net/tun usable by the learner (RootlessKit's
// network), user namespaces, loop devices and mkfs.ext4 (sandbox disks), and free disk space.
// Facts are read first (readHostFacts), then judged by pure functions, so each rule has a unit test and
// the integration tests change only the real host.
import { execFile } from 'node:child_process';
import { chmod, readFile, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CheckRow } from '../host/report.ts';
import { readAppArmorHost, SANDBOX_APPARMOR_PROFILE } from './apparmor.ts';
import type { HostChecks } from './backend.ts';
import type { Engine } from './docker.ts';

const exec = promisify(execFile);

export const TUN_DEVICE = '/dev/net/tun';
/** What udev sets on mainstream distributions: anyone may open the device (creating interfaces still needs CAP_NET_ADMIN). */
const TUN_MODE = 0o666;
const LEARNER_UID = 1000;
const MIN_ENGINE = [20, 10];
const GiB = 1024 ** 3;
/** Below this the kit or a few sandbox disks no longer fit. */
const MIN_FREE_BYTES = 3 * GiB;
/** Sandbox disks are sparse files that grow to their size (4 GiB by default) as learners fill them. */
const LOW_FREE_BYTES = 10 * GiB;

export type EngineFacts =
  | { reachable: false; error: string }
  | {
      reachable: true;
      version: string;
      apiVersion: string;
      operatingSystem: string;
      cgroupVersion: string;
      cgroupDriver: string;
      rootless: boolean;
      rootDir: string;
    };

export type TunFacts = { exists: false } | { exists: true; isCharDevice: boolean; mode: number; uid: number };

export type HostFacts = {
  dockerHost: string | undefined;
  engine: EngineFacts;
  /** Whether Docker's DOCKER-USER chain exists (it does when Docker manages iptables). */
  dockerUserChain: boolean | 'no-iptables';
  tun: TunFacts;
  /** /proc/sys values; undefined where the kernel has no such knob. */
  sysctl: { maxUserNamespaces?: number; unprivilegedUsernsClone?: number; apparmorRestrictUserns?: number };
  loop: { control: boolean; free: string | undefined };
  mkfsExt4: boolean;
  /** Whether the kernel runs AppArmor, and whether its parser is here to load Dockhand's profile. */
  apparmor: { enabled: boolean; parser: boolean };
  free: { path: string; bytes: number }[];
};

export async function readHostFacts(engine: Engine, stateDir: string): Promise<HostFacts> {
  const dockerHost = process.env.DOCKER_HOST || undefined;
  // A remote engine is refused as it is: nothing connects to it.
  const engineFacts: EngineFacts =
    dockerHost && !isLocalDockerHost(dockerHost) ? { reachable: false, error: 'not on this machine' } : await readEngine(engine);
  const freeOf = [stateDir, ...(engineFacts.reachable && engineFacts.rootDir ? [engineFacts.rootDir] : [])];
  return {
    dockerHost,
    engine: engineFacts,
    dockerUserChain: await readDockerUserChain(),
    tun: await readTun(),
    sysctl: {
      maxUserNamespaces: await readNumber('/proc/sys/user/max_user_namespaces'),
      unprivilegedUsernsClone: await readNumber('/proc/sys/kernel/unprivileged_userns_clone'),
      apparmorRestrictUserns: await readNumber('/proc/sys/kernel/apparmor_restrict_unprivileged_userns'),
    },
    loop: await readLoop(),
    mkfsExt4: await installed('mkfs.ext4', ['-V']),
    apparmor: { enabled: (await readAppArmorHost()).enabled, parser: await installed('apparmor_parser', ['--version']) },
    free: await Promise.all(freeOf.map(async (dir) => ({ path: dir, bytes: await freeBytes(dir) }))),
  };
}

/** Judges the facts: one row per check, in the order a person would fix them. */
export function judgeHost(facts: HostFacts): CheckRow[] {
  return [
    ...engineRows(facts),
    iptablesRow(facts),
    tunRow(facts.tun),
    ...usernsRows(facts.sysctl),
    loopRow(facts.loop),
    mkfsRow(facts.mkfsExt4),
    apparmorRow(facts.apparmor),
    ...facts.free.map(diskRow),
  ];
}

/**
 * Root first, then facts read through the engine and the host's files, judged, with /dev/net/tun fixed
 * first when allowed (and only as root).
 */
export function dockerHostChecks(engine: Engine, stateDir: string): HostChecks {
  return async (fix) => {
    const root = rootRow(process.getuid?.() ?? 0);
    const facts = await readHostFacts(engine, stateDir);
    const fixed = fix && root.status === 'ok' ? await fixTun(facts) : undefined;
    return [root, ...judgeHost(facts).map((row) => (fixed && row.check === fixed.check ? fixed : row))];
  };
}

export function rootRow(uid: number): CheckRow {
  if (uid === 0) return { check: 'root', status: 'ok', message: 'running as root.' };
  return {
    check: 'root',
    status: 'problem',
    fatal: true,
    message: `running as uid ${uid}; Dockhand needs root for its iptables rules, loop-mounted sandbox disks and /dev/net/tun.`,
    fix: 'run it as root: `sudo npm start`',
  };
}

/** Makes /dev/net/tun usable by the learner when it is not (the one host change made without asking). */
export async function fixTun(facts: HostFacts): Promise<CheckRow | undefined> {
  const { tun } = facts;
  if (!tun.exists || !tun.isCharDevice || tunUsable(tun)) return undefined;
  await chmod(TUN_DEVICE, TUN_MODE);
  return {
    check: 'tun',
    status: 'fixed',
    message: `${TUN_DEVICE} was mode ${octal(tun.mode)}, which the learner cannot open; set it to ${octal(TUN_MODE)}, as udev does on mainstream distributions.`,
    fix: `to keep it after a reboot, add the udev rule KERNEL=="tun", MODE="0666" (e.g. /etc/udev/rules.d/60-tun.rules)`,
  };
}

export function engineRows(facts: Pick<HostFacts, 'engine' | 'dockerHost'>): CheckRow[] {
  const { engine, dockerHost } = facts;
  const where = dockerHost ?? 'unix:///var/run/docker.sock';
  const remote = dockerHost !== undefined && !isLocalDockerHost(dockerHost);
  if (remote) {
    return [
      {
        check: 'engine',
        status: 'problem',
        fatal: true,
        message: `DOCKER_HOST=${dockerHost} is not an engine on this machine; sandboxes bind-mount their disks and sockets from this machine, so Dockhand needs the engine here.`,
        fix: 'unset DOCKER_HOST (or point it at unix:///var/run/docker.sock) and run Dockhand on the machine that runs the engine',
      },
    ];
  }
  if (!engine.reachable) {
    return [
      {
        check: 'engine',
        status: 'problem',
        fatal: true,
        message: `no Docker Engine answers at ${where} (${engine.error}).`,
        fix:
          dockerHost !== undefined
            ? 'unset DOCKER_HOST or point it at a running engine on this machine'
            : 'start Docker Engine 20.10 or newer (`systemctl start docker`); as root, `npm start` installs Debian docker.io when none is installed',
      },
    ];
  }
  const rows: CheckRow[] = [];
  const summary = `Docker Engine ${engine.version} (API ${engine.apiVersion}) on ${engine.operatingSystem}`;
  if (/docker desktop/i.test(engine.operatingSystem)) {
    rows.push({
      check: 'engine',
      status: 'problem',
      fatal: true,
      message: `${summary}: Docker Desktop runs the engine in its own VM, so this machine's devices, loop disks and firewall are not the engine's.`,
      fix: 'run Dockhand on a Linux host (or inside a Linux VM) with its own Docker Engine',
    });
  } else if (engine.rootless) {
    rows.push({
      check: 'engine',
      status: 'problem',
      fatal: true,
      message: `${summary} is rootless; Dockhand needs a rootful host engine (sandboxes need loop-mounted disks, iptables rules and /dev/net/tun).`,
      fix: 'use the system engine as root: unset DOCKER_HOST (or `docker context use default`) and run `sudo npm start`',
    });
  } else if (olderThan(engine.version, MIN_ENGINE)) {
    rows.push({
      check: 'engine',
      status: 'problem',
      fatal: true,
      message: `${summary} is older than ${MIN_ENGINE.join('.')}.`,
      fix: 'upgrade Docker Engine to 20.10 or newer',
    });
  } else {
    rows.push({ check: 'engine', status: 'ok', message: `${summary}.` });
  }
  const v1 = engine.cgroupVersion === '1';
  rows.push({
    check: 'cgroup',
    status: 'ok',
    message: `cgroup v${engine.cgroupVersion || '?'} with the ${engine.cgroupDriver} driver${v1 ? ': sandbox limits hold, but inner `--memory` is not enforced and inner `docker stats` shows zeros' : ''}.`,
  });
  return rows;
}

export function iptablesRow(facts: Pick<HostFacts, 'dockerUserChain'>): CheckRow {
  if (facts.dockerUserChain === 'no-iptables') {
    return {
      check: 'iptables',
      status: 'problem',
      fatal: true,
      message: 'iptables cannot be used here, so sandboxes could not be isolated from the host and the network.',
      fix: 'install iptables (Debian: apt-get install iptables) and run Dockhand as root',
    };
  }
  if (!facts.dockerUserChain) {
    return {
      check: 'iptables',
      status: 'problem',
      fatal: true,
      message: "Docker does not manage iptables (no DOCKER-USER chain), so Dockhand's isolation rules would have nothing to attach to.",
      fix: 'remove "iptables": false from /etc/docker/daemon.json and restart dockerd',
    };
  }
  return { check: 'iptables', status: 'ok', message: 'Docker manages iptables (DOCKER-USER chain present).' };
}

export function tunRow(tun: TunFacts): CheckRow {
  if (!tun.exists) {
    return {
      check: 'tun',
      status: 'problem',
      blocksSandboxes: true,
      message: `${TUN_DEVICE} is missing, so the sandbox's engine has no network.`,
      fix: 'load the tun module: `modprobe tun` (if the node is still missing: `mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && chmod 0666 /dev/net/tun`)',
    };
  }
  if (!tun.isCharDevice) {
    return {
      check: 'tun',
      status: 'problem',
      blocksSandboxes: true,
      message: `${TUN_DEVICE} exists but is not the tun character device.`,
      fix: `rm ${TUN_DEVICE} && mknod ${TUN_DEVICE} c 10 200 && chmod 0666 ${TUN_DEVICE}`,
    };
  }
  if (!tunUsable(tun)) {
    return {
      check: 'tun',
      status: 'problem',
      blocksSandboxes: true,
      message: `${TUN_DEVICE} is mode ${octal(tun.mode)}: the learner (uid ${LEARNER_UID}) cannot open it, so no sandbox's engine gets a network.`,
      fix: `chmod 0666 ${TUN_DEVICE} (what udev does on mainstream distributions), or let Dockhand do it: DOCKHAND_FIX_HOST=on`,
    };
  }
  return { check: 'tun', status: 'ok', message: `${TUN_DEVICE} is mode ${octal(tun.mode)}, usable by the learner.` };
}

export function usernsRows(sysctl: HostFacts['sysctl']): CheckRow[] {
  const rows: CheckRow[] = [];
  if (sysctl.maxUserNamespaces === 0) {
    rows.push({
      check: 'userns',
      status: 'problem',
      blocksSandboxes: true,
      message: "user.max_user_namespaces is 0, so the sandbox's rootless engine cannot create its user namespace.",
      fix: 'sysctl -w user.max_user_namespaces=15000 (and put it in /etc/sysctl.d/ to keep it)',
    });
  }
  if (sysctl.unprivilegedUsernsClone === 0) {
    rows.push({
      check: 'userns',
      status: 'problem',
      blocksSandboxes: true,
      message: 'kernel.unprivileged_userns_clone is 0, so the unprivileged learner cannot create a user namespace for the rootless engine.',
      fix: 'sysctl -w kernel.unprivileged_userns_clone=1 (and put it in /etc/sysctl.d/ to keep it)',
    });
  }
  if (sysctl.apparmorRestrictUserns === 1) {
    rows.push({
      check: 'userns',
      status: 'problem',
      blocksSandboxes: true,
      message:
        "Ubuntu's kernel.apparmor_restrict_unprivileged_userns is 1, so AppArmor denies the rootless engine inside each sandbox the user namespace it needs.",
      fix: 'either `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, which lifts the restriction for every program on the host; or load an AppArmor profile that grants `userns` to the sandbox (and start sandboxes with it), which keeps the restriction for everything else',
    });
  }
  if (rows.length === 0) {
    const limit = sysctl.maxUserNamespaces === undefined ? 'allowed' : `allowed (up to ${sysctl.maxUserNamespaces})`;
    rows.push({ check: 'userns', status: 'ok', message: `unprivileged user namespaces are ${limit}.` });
  }
  return rows;
}

export function loopRow(loop: HostFacts['loop']): CheckRow {
  if (!loop.control || !loop.free) {
    return {
      check: 'loop',
      status: 'problem',
      blocksSandboxes: true,
      message: loop.control
        ? 'no free loop device, so sandbox disks cannot be mounted.'
        : 'no loop devices (/dev/loop-control is missing), so sandbox disks cannot be mounted.',
      fix: 'load the loop module: `modprobe loop` (in a container: run it with access to /dev/loop-control and /dev/loop*)',
    };
  }
  return { check: 'loop', status: 'ok', message: `loop devices available (next free: ${loop.free}).` };
}

export function mkfsRow(present: boolean): CheckRow {
  if (!present) {
    return {
      check: 'mkfs',
      status: 'problem',
      blocksSandboxes: true,
      message: 'mkfs.ext4 is missing, so sandbox disks cannot be formatted.',
      fix: 'install e2fsprogs (Debian: apt-get install e2fsprogs)',
    };
  }
  return { check: 'mkfs', status: 'ok', message: 'mkfs.ext4 is installed.' };
}

/** Where AppArmor runs, sandboxes run under Dockhand's own profile if its parser can load it (apparmor.ts). */
export function apparmorRow({ enabled, parser }: HostFacts['apparmor']): CheckRow {
  if (!enabled) {
    return {
      check: 'apparmor',
      status: 'ok',
      message:
        "no AppArmor on this host: sandboxes are confined by their user namespaces, four capabilities and Dockhand's seccomp profile.",
    };
  }
  if (parser) {
    return {
      check: 'apparmor',
      status: 'ok',
      message: `AppArmor runs here: sandboxes run under Dockhand's own profile, ${SANDBOX_APPARMOR_PROFILE}, loaded at each start (DOCKHAND_APPARMOR=off leaves them unconfined by it).`,
    };
  }
  return {
    check: 'apparmor',
    status: 'warning',
    message:
      "AppArmor runs here, but apparmor_parser is missing, so Dockhand cannot load its profile and sandboxes run unconfined by AppArmor (still confined by their user namespaces, four capabilities and Dockhand's seccomp profile).",
    fix: 'install the parser (Debian and Ubuntu: apt-get install apparmor) and start Dockhand again',
  };
}

export function diskRow(free: { path: string; bytes: number }): CheckRow {
  const amount = `${(free.bytes / GiB).toFixed(1)} GiB free under ${free.path}`;
  if (free.bytes < MIN_FREE_BYTES) {
    return {
      check: 'disk',
      status: 'problem',
      blocksSandboxes: true,
      message: `only ${amount}; the image kit and sandbox disks need at least ${MIN_FREE_BYTES / GiB} GiB.`,
      fix: `free space under ${free.path} (e.g. \`docker system prune\` removes unused images)`,
    };
  }
  if (free.bytes < LOW_FREE_BYTES) {
    return {
      check: 'disk',
      status: 'warning',
      message: `${amount}: each sandbox disk can grow to its size (DOCKHAND_SANDBOX_DISK, 4 GiB by default).`,
      fix: `free space under ${free.path}, or lower DOCKHAND_SANDBOX_DISK`,
    };
  }
  return { check: 'disk', status: 'ok', message: `${amount}.` };
}

export function tunUsable(tun: { mode: number; uid: number }): boolean {
  return (tun.mode & 0o006) === 0o006 || (tun.uid === LEARNER_UID && (tun.mode & 0o600) === 0o600);
}

export function isLocalDockerHost(dockerHost: string): boolean {
  if (dockerHost.startsWith('unix://') || dockerHost.startsWith('/')) return true;
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)/.exec(dockerHost);
  return match !== null && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(match[1] as string);
}

function olderThan(version: string, minimum: number[]): boolean {
  const parts = version.split(/[.+-]/).map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0;
    const want = minimum[i] as number;
    if (Number.isNaN(have)) return false;
    if (have !== want) return have < want;
  }
  return false;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

async function readEngine(engine: Engine): Promise<EngineFacts> {
  try {
    const [version, info] = await Promise.all([engine.version(), engine.info()]);
    const securityOptions: string[] = info.SecurityOptions ?? [];
    return {
      reachable: true,
      version: version.Version,
      apiVersion: version.ApiVersion,
      operatingSystem: info.OperatingSystem ?? 'unknown',
      cgroupVersion: String(info.CgroupVersion ?? ''),
      cgroupDriver: info.CgroupDriver ?? 'unknown',
      rootless: securityOptions.some((option) => option.includes('name=rootless')),
      rootDir: info.DockerRootDir ?? '',
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { reachable: false, error: code ?? (error instanceof Error ? error.message : String(error)) };
  }
}

async function readDockerUserChain(): Promise<boolean | 'no-iptables'> {
  try {
    await exec('iptables', ['-w', '-n', '-L', 'DOCKER-USER']);
    return true;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT' || /Permission denied|must be root/i.test(failure.stderr ?? '')) return 'no-iptables';
    return false;
  }
}

async function readTun(): Promise<TunFacts> {
  try {
    const info = await stat(TUN_DEVICE);
    return { exists: true, isCharDevice: info.isCharacterDevice(), mode: info.mode & 0o7777, uid: info.uid };
  } catch {
    // Not there (nor anything root may look at): no device sandboxes could use, which its row says with the fix.
    return { exists: false };
  }
}

/** A kernel setting's value; one this kernel does not have is undefined: that setting restricts nothing here. */
async function readNumber(file: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function readLoop(): Promise<HostFacts['loop']> {
  // No loop-control: this kernel has no loop devices (its row says how to load them).
  const control = await stat('/dev/loop-control').then(
    () => true,
    () => false,
  );
  if (!control) return { control, free: undefined };
  try {
    return { control, free: (await exec('losetup', ['-f'])).stdout.trim() || undefined };
  } catch {
    // losetup finds no free device (or is missing): the row says that no disk can be attached, and how to fix it.
    return { control, free: undefined };
  }
}

async function freeBytes(dir: string): Promise<number> {
  // The state directory may not exist yet: measure the nearest folder that does.
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      const info = await statfs(current);
      return info.bavail * info.bsize;
    } catch (error) {
      if (current === path.dirname(current)) throw error;
    }
  }
}

/** Runs the command; only "not found" counts as missing. */
async function installed(command: string, args: string[]): Promise<boolean> {
  try {
    await exec(command, args);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
