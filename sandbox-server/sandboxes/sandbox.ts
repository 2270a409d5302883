// One learner's sandbox: an outer container from the sandbox image running its own Docker Engine
// rootless, as the unprivileged `learner`. The learner's home (with the inner engine's data) and the
// engine's socket directory live on the sandbox's own disk (disk.ts), which the server reaches from the
// host; the rest of the container's file system is read-only.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type AppArmorConfinement, apparmorSecurityOpt } from './apparmor.ts';
import { dindStartError } from './dind-diagnosis.ts';
import { createDisk, describeDisk, diskSeed, keepDisk, removeDisk, resumeDisk, type SandboxDisk } from './disk.ts';
import { containerLogs, type Engine, removeContainer } from './docker.ts';
import { createEngineClient } from './engine-client.ts';
import type { InnerEngine } from './inner-engine.ts';
import { SANDBOX_IMAGE } from './kit/images.ts';
import { LABEL, labelsFor, resourceName } from './labels.ts';
import { LEARNER_HOME, LEARNER_UID } from './learner.ts';
import type { SandboxNetwork } from './network.ts';
import { connectOwnSocket, type OwnSocket } from './own-socket.ts';
import type { RetentionPolicy } from './retention.ts';
import { SANDBOX_SECCOMP } from './seccomp/profile.ts';

const INNER_RUN_DIR = `/run/user/${LEARNER_UID}`;
/** How long a sandbox whose disk is kept may take to stop before it is killed. */
const KEEP_STOP_SECONDS = 5;
/** The inner engine's socket in its run directory. */
const ENGINE_SOCKET = 'docker.sock';
/** The span the CPU limit is counted over: 1 s, the longest the kernel allows. */
const CPU_PERIOD_US = 1_000_000;

export type SandboxLimits = {
  memoryBytes: number;
  pids: number;
  cpus: number;
  /** Size of the sandbox's disk: the learner's files, the inner engine's images, containers and volumes. */
  diskBytes: number;
};

const DEFAULT_LIMITS: SandboxLimits = { memoryBytes: 1024 ** 3, pids: 1024, cpus: 1, diskBytes: 4 * 1024 ** 3 };

export type SandboxOptions = {
  instance: string;
  runDir: string;
  /** Durable directory that holds each sandbox's disk file (the host's /run is usually RAM). */
  stateDir: string;
  network: SandboxNetwork;
  /** host:port of the image mirror the inner engine pulls through. */
  mirror: string;
  /** Whether sandboxes run under Dockhand's AppArmor profile (apparmor.ts). */
  apparmor: AppArmorConfinement;
  /** Overrides of DEFAULT_LIMITS. */
  limits?: Partial<SandboxLimits>;
  /** How long and how many disks are kept after their sandbox ends (destroy with keepDiskAs); none when absent. */
  keepDisks?: RetentionPolicy;
  /** For comparisons (the bench): another sandbox image, and environment for its engine's start. */
  image?: string;
  env?: string[];
};

/** The outer container's whole capability bounding set (see createSandboxContainer). */
export const START_CAPABILITIES = ['DAC_OVERRIDE', 'SETGID', 'SETUID', 'SYS_ADMIN'] as const;

/** A sandbox as the Docker-in-Docker backend knows it: every name and path derives from the id. */
export type SandboxContainer = {
  id: string;
  containerName: string;
  disk: SandboxDisk;
  /** The inner engine's socket, as the server reaches it: below the disk's mount point, never by path (own-socket.ts). */
  socket: OwnSocket;
};

export function newSandboxId(): string {
  return randomBytes(6).toString('hex');
}

export function describeSandbox(options: Pick<SandboxOptions, 'instance' | 'runDir' | 'stateDir'>, id: string): SandboxContainer {
  const disk = describeDisk(options, id);
  return {
    id,
    containerName: resourceName(options.instance, 'sbx', id),
    disk,
    socket: { anchor: disk.mountDir, components: [path.basename(disk.runDir), ENGINE_SOCKET], uid: LEARNER_UID },
  };
}

/**
 * Starts a sandbox on a fresh disk, or on the disk kept in `resumeFrom` when that file is there
 * (`resumed` says which, `keptAt` when that disk was kept). A failed start deletes a fresh disk and
 * puts a resumed one back where it was, with its date: a disk does not live longer for trying.
 */
export async function startSandbox(
  host: Engine,
  options: SandboxOptions,
  id = newSandboxId(),
  resumeFrom?: string,
): Promise<SandboxContainer & { resumed: boolean; keptAt?: Date }> {
  const sandbox = describeSandbox(options, id);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const labels = labelsFor(options.instance, 'sandbox', { [LABEL.sandbox]: id });
  const image = options.image ?? SANDBOX_IMAGE;
  const disk = (async () => {
    const keptAt = resumeFrom === undefined ? undefined : await resumeDisk(sandbox.disk, resumeFrom);
    if (keptAt) return keptAt;
    const seed = await diskSeed(host, options.instance, options.stateDir, { image, home: LEARNER_HOME, uid: LEARNER_UID });
    await createDisk(sandbox.disk, limits.diskBytes, seed);
    return undefined;
  })();
  // The container is created while the disk is made: Docker looks at its bind sources only at start.
  const created = createSandboxContainer(host, options, sandbox, labels, image, limits);
  const [diskMade, containerMade] = await Promise.allSettled([disk, created]);
  if (diskMade.status === 'rejected') {
    if (containerMade.status === 'fulfilled') await removeContainer(host, containerMade.value.id);
    throw diskMade.reason;
  }
  const keptAt = diskMade.value;
  const resumed = keptAt !== undefined;
  try {
    if (containerMade.status === 'rejected') throw containerMade.reason;
    await containerMade.value.start();
    return { ...sandbox, resumed, keptAt };
  } catch (error) {
    await destroySandbox(host, sandbox, resumed ? resumeFrom : undefined, keptAt).catch((cleanupError: Error) => {
      throw new Error(`${String(error)}; removing the half-made sandbox ${id} failed too: ${cleanupError.message}`, { cause: error });
    });
    throw error;
  }
}

function createSandboxContainer(
  host: Engine,
  options: SandboxOptions,
  sandbox: SandboxContainer,
  labels: Record<string, string>,
  image: string,
  limits: SandboxLimits,
) {
  return host.createContainer({
    name: sandbox.containerName,
    Image: image,
    Hostname: 'dockhand',
    Labels: labels,
    Env: [`DOCKHAND_MIRROR=${options.mirror}`, ...(options.env ?? [])],
    HostConfig: {
      // Measured: the start needs exactly these, all for RootlessKit's setuid newuidmap/newgidmap, which
      // open the engine's /proc/PID/uid_map (DAC_OVERRIDE), write several ranges (SETUID, SETGID) into a
      // user namespace they do not own (SYS_ADMIN). The inner engine does not need them: a new user
      // namespace gets a full set of its own. No process of the sandbox holds any of them: the learner
      // and everything the server runs have none and, through dockhand-enter, no_new_privs on top.
      CapDrop: ['ALL'],
      CapAdd: [...START_CAPABILITIES],
      SecurityOpt: [SANDBOX_SECCOMP, apparmorSecurityOpt(options.apparmor)],
      // systempaths=unconfined: the inner engine mounts a fresh /proc, which masked paths forbid.
      MaskedPaths: [],
      ReadonlyPaths: [],
      Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
      // Writable: the disk (home, socket directory) and a RAM /tmp that the memory limit also bounds.
      ReadonlyRootfs: true,
      Binds: [`${sandbox.disk.homeDir}:${LEARNER_HOME}`, `${sandbox.disk.runDir}:${INNER_RUN_DIR}`],
      Tmpfs: { '/tmp': `rw,exec,nosuid,nodev,mode=1777,size=${Math.floor(limits.memoryBytes / 4)}` },
      // Docker leaves IPv6 off on an IPv4-only network today; said here so it stays off.
      Sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' },
      NetworkMode: options.network.name,
      // Under `mirror` egress, Docker's DNS in the sandbox asks Dockhand's, which knows no name (dns.ts).
      ...(options.network.egress === 'mirror' ? { Dns: [options.network.gateway] } : {}),
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      PidsLimit: limits.pids,
      // `cpus` of CPU time per second, as NanoCpus would give, but counted over 1 s rather than 100 ms:
      // a start's short spells of parallel work (Go runtimes, 68 iptables runs) may take both cores for a
      // moment, which brings the inner engine up about 60 ms sooner; a sustained load is held to the limit.
      CpuPeriod: CPU_PERIOD_US,
      CpuQuota: Math.round(limits.cpus * CPU_PERIOD_US),
      Init: true,
    },
  });
}

/** A client of the sandbox's own engine (engine-client.ts over own-socket.ts). */
export function openInnerEngine(sandbox: SandboxContainer): InnerEngine {
  return createEngineClient((timeoutMs) => connectOwnSocket(sandbox.socket, timeoutMs));
}

/** Resolves once the inner engine answers on its socket; fails early if the sandbox died. */
export async function waitForEngine(host: Engine, sandbox: SandboxContainer, timeoutMs = 30_000): Promise<InnerEngine> {
  const inner = openInnerEngine(sandbox);
  const deadline = Date.now() + timeoutMs;
  // The socket is tried every 10 ms (a missing socket fails at once; this wait is on every cold start);
  // the host engine is asked whether the sandbox still runs only every second, as a busy host engine
  // answers slowly and would hold up the next try.
  let nextInspect = Date.now() + 1000;
  for (;;) {
    try {
      await inner.ping();
      return inner;
    } catch {
      const state = Date.now() < nextInspect ? undefined : (await host.getContainer(sandbox.containerName).inspect()).State;
      if (state) nextInspect = Date.now() + 1000;
      if (state && !state.Running) {
        const trace = await containerLogs(host, sandbox.containerName, 40);
        inner.close();
        throw dindStartError(`a sandbox stopped (exit ${state.ExitCode}) before its engine answered`, trace);
      }
    }
    if (Date.now() > deadline) {
      inner.close();
      throw new Error(`the engine in sandbox ${sandbox.id} did not answer within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The sandbox's address on the sandbox network; the host reaches ports published inside it there. */
export async function sandboxAddress(host: Engine, sandbox: SandboxContainer, network: SandboxNetwork): Promise<string> {
  const info = await host.getContainer(sandbox.containerName).inspect();
  const address = info.NetworkSettings.Networks[network.name]?.IPAddress;
  if (!address) throw new Error(`sandbox ${sandbox.id} has no address on ${network.name}`);
  return address;
}

/**
 * Removes the container, then deletes its disk, or moves it to `keepAs` (a kept disk's file), dated
 * `keptAt` (now, unless given). Safe on a half-made sandbox and when called twice.
 */
export async function destroySandbox(host: Engine, sandbox: SandboxContainer, keepAs?: string, keptAt?: Date): Promise<void> {
  // A disk to keep gets a clean end first: the inner engine stops its containers and closes its files.
  // Already stopped or gone is fine; a real problem shows in the removal that follows.
  if (keepAs)
    await host
      .getContainer(sandbox.containerName)
      .stop({ t: KEEP_STOP_SECONDS })
      .catch(() => {});
  // The container goes first: its bind mounts keep the disk's file system busy.
  await removeContainer(host, sandbox.containerName);
  if (keepAs) await keepDisk(sandbox.disk, keepAs, keptAt);
  else await removeDisk(sandbox.disk);
}
