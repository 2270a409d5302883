// The one boundary between Dockhand and whatever runs sandboxes. Everything outside sandboxes/ sees a
// sandbox only as an opaque handle and acts on it through these operations; the Docker-in-Docker
// implementation is dind.ts, and docs/architecture.md maps each operation to Kubernetes.
import type { Duplex } from 'node:stream';
import type { CheckRow } from '../host/report.ts';
import type { InnerEngine } from './inner-engine.ts';
import type { Progress } from './kit/progress.ts';

/** A sandbox as the rest of the server holds it: an id, nothing about how it runs. */
export type Sandbox = { readonly id: string };

/** A sandbox just started: `resumed` when it came up on a kept disk (the learner's earlier work is back). */
export type StartedSandbox = Sandbox & { readonly resumed: boolean };

export type StartOptions = {
  /** Start on the disk kept under this key, when one is kept and not expired; otherwise start fresh. */
  diskKey?: string;
};

export type DestroyOptions = {
  /** Keep the sandbox's disk under this key (replacing one kept under it before) instead of deleting it. */
  keepDiskAs?: string;
};

/** A disk kept after its sandbox ended, waiting for its learner to come back. */
export type KeptDisk = {
  key: string;
  /** When it was kept (ms since the epoch): the retention policy counts from here. */
  keptAt: number;
  /** What it really takes on the host (blocks in use, not its nominal size). */
  bytes: number;
};

/**
 * What came of re-adopting a sandbox an earlier server left. `unreachable`: its disk is there but it did
 * not answer in time (a slow engine after a reboot, a container that cannot start): its learner's work
 * can still be kept. `gone`: neither the sandbox nor its disk exists any more.
 */
export type Adoption = { state: 'adopted'; sandbox: Sandbox } | { state: 'unreachable'; reason: string } | { state: 'gone' };

export type AdoptOptions = {
  /** How long its engine may take to answer; a host where many sandboxes start at once needs longer. */
  timeoutMs: number;
};

export type ExecOptions = {
  /** Sent to the command, then closed (the command sees EOF). */
  stdin?: Buffer;
  timeoutMs?: number;
  /** Of stdout, this many first bytes are kept whole (a file read); past them only the last part is (exec.ts). */
  stdoutBytes?: number;
};

/** stdout stays bytes: file contents need not be UTF-8. */
export type ExecOutput = { exitCode: number; stdout: Buffer; stderr: string };

export type TerminalSize = { cols: number; rows: number };

/** A process attached to a TTY: its input and output, and the TTY's size. */
export type TerminalAttachment = {
  stream: Duplex;
  /** Errors before the process has started or after it ended; the caller keeps to that window. */
  resize(size: TerminalSize): Promise<void>;
};

export type PublishedPort = { port: number; container: string };

export type EventsWatch = { stop(): void };

/** News of sandboxes that stopped by themselves (not because Dockhand destroyed them). */
export type SandboxWatch = {
  onStopped(id: string): void;
  /** News may have been missed (the backend's own engine restarted): whatever is held should be checked again. */
  onMissed(): void;
};

export type { InnerEngine } from './inner-engine.ts';
export { failureKey, SandboxStartError, startProblem } from './start-error.ts';

export type SandboxBackend = {
  /**
   * Starts a sandbox and resolves once its inner engine answers. With a diskKey whose disk is kept, the
   * sandbox starts on that disk (it is no longer kept then); if that start fails, the disk stays kept.
   */
  start(options?: StartOptions): Promise<StartedSandbox>;
  /**
   * Removes a sandbox and its disk (or keeps the disk, unless it does not fit under the retention cap:
   * `keepFits` in retention.ts); safe on a half-made one and when called twice.
   */
  destroy(sandbox: Sandbox, options?: DestroyOptions): Promise<void>;
  /** The disk kept under a key, if any and not expired. */
  keptDisk(key: string): Promise<KeptDisk | undefined>;
  /** Deletes the disk kept under a key ("Start fresh"); nothing kept is success. */
  forgetDisk(key: string): Promise<void>;
  /** Deletes the kept disks the retention policy no longer allows (expired); gives their keys. */
  sweepKeptDisks(): Promise<string[]>;
  /** Ids of the sandboxes this instance has, running or not, or only a disk left by a crash (kept disks are not sandboxes). */
  listIds(): Promise<string[]>;
  /** Reconnects to a sandbox left by an earlier server, starting it again if it stopped. */
  adopt(id: string, options: AdoptOptions): Promise<Adoption>;
  /** The handle of a sandbox known by id (for removing one found by listIds). */
  handle(id: string): Sandbox;
  /** Runs a command as the learner and waits for its exit code. */
  exec(sandbox: Sandbox, argv: string[], options?: ExecOptions): Promise<ExecOutput>;
  /** Runs a command as the learner on a TTY, for a browser terminal. */
  attachTerminal(sandbox: Sandbox, argv: string[], env: Record<string, string>): Promise<TerminalAttachment>;
  /** TCP ports the learner's containers publish, each once. */
  publishedPorts(sandbox: Sandbox): Promise<PublishedPort[]>;
  /**
   * A connection to a TCP port in the sandbox, as its published ports are reached (the web preview): the
   * backend decides how (DinD connects to the sandbox's address; a pod would be port-forwarded). Resolves
   * once connected, within a bound of the backend's; nothing listening rejects with the code ECONNREFUSED.
   */
  dialPort(sandbox: Sandbox, port: number): Promise<Duplex>;
  /**
   * A client of the learner's own engine (checks, the Engine tab), which the caller closes. It reaches that
   * sandbox's engine and no other, whatever the learner did to their files, and bounds every answer.
   */
  openEngine(sandbox: Sandbox): Promise<InnerEngine>;
  /** Calls back when containers, images, volumes or networks change in the inner engine: at the first change, again after a burst. */
  watchEvents(sandbox: Sandbox, onChange: () => void, options?: { windowMs?: number }): EventsWatch;
  /** Follows this instance's sandboxes: says when one stops by itself, and when such news may have been missed. */
  watchSandboxes(watch: SandboxWatch): EventsWatch;
};

/**
 * DOCKHAND_EGRESS: what sandboxes reach beyond the image mirror, a policy every backend enforces (DinD with
 * its firewall, firewall.ts): nothing (mirror), public addresses only (internet), or anything (open).
 */
export const EGRESS_MODES = ['mirror', 'internet', 'open'] as const;
export type EgressMode = (typeof EGRESS_MODES)[number];

/** The backends there are; DOCKHAND_BACKEND chooses one (create-backend.ts). */
export const BACKEND_KINDS = ['dind'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** What a backend needs of the host, as preflight rows, given whether it may fix what is safe to fix. */
export type HostChecks = (fix: boolean) => Promise<CheckRow[]>;

/**
 * The images lessons name (Docker Hub names, `busybox:latest`), in the order the course needs them:
 * `first` (the first lesson's) can run before prepare resolves, `later` follow in their order.
 */
export type ImagePlan = { first: readonly string[]; later: readonly string[] };

/** Whether a sandbox can run an image a lesson names: yes, not yet (it is being made), or never (why, a sentence). */
export type ImageState = { state: 'ready' } | { state: 'preparing' } | { state: 'failed'; reason: string };

/** A backend as the server starts it: the host's checks first (the preflight), then all it needs made ready. */
export type BackendHost = {
  kind: BackendKind;
  /** The images lessons may name (`busybox:latest`): every sandbox runs them, offline too. */
  images: readonly string[];
  /** Can this host run sandboxes at all; fixes what is safe to fix when allowed. */
  hostChecks: HostChecks;
  /** Ready for a first lesson when it resolves; the plan's later images follow in the background. */
  prepare(log: Progress, images: ImagePlan): Promise<PreparedBackend>;
};

export type PreparedBackend = {
  backend: SandboxBackend;
  /** What /api/health says of the backend (to the admin token): its kind and what it runs on; fails when that no longer answers. */
  describe(): Promise<{ kind: BackendKind } & Record<string, unknown>>;
  /** Whether sandboxes can run an image of `BackendHost.images` now. */
  imageState(image: string): ImageState;
};

export type CommandResult = { exitCode: number; stdout: string; stderr: string };

/**
 * Whether a sandbox is alive as a learner needs it: its engine answers and a shell runs, within
 * `timeoutMs`. A sandbox whose engine died with the host's still looks ready until asked.
 */
export async function isAlive(backend: SandboxBackend, sandbox: Sandbox, timeoutMs = 5_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = (async () => {
    const engine = await backend.openEngine(sandbox);
    try {
      await engine.ping();
    } finally {
      engine.close();
    }
    return (await backend.exec(sandbox, ['true'], { timeoutMs })).exitCode === 0;
  })().catch(() => false);
  return Promise.race([probe, late]).finally(() => clearTimeout(timer));
}

/** exec for commands whose output is text. */
export async function runAsLearner(backend: SandboxBackend, sandbox: Sandbox, argv: string[], timeoutMs = 300_000): Promise<CommandResult> {
  const result = await backend.exec(sandbox, argv, { timeoutMs });
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr };
}
