// A SandboxBackend without Docker, for unit tests of what sits on top of the boundary: it hands out
// handles, remembers which live, and records what was asked of it. fakeBackendHost wraps it as the
// server starts a backend, so the whole server runs on it (startDockhand's third argument).
import { PassThrough } from 'node:stream';
import type { CheckRow } from '../../sandbox-server/host/report.ts';
import type {
  BackendHost,
  BackendKind,
  ExecOutput,
  ImagePlan,
  ImageState,
  InnerEngine,
  SandboxBackend,
  SandboxWatch,
} from '../../sandbox-server/sandboxes/backend.ts';

export type FakeBackend = SandboxBackend & {
  live: Set<string>;
  /** Sandboxes whose disk is there but whose engine does not answer: adopt says `unreachable` (each try counted). */
  unreachable: Map<string, number>;
  /** Disks kept by key, with when they were kept. */
  kept: Map<string, number>;
  commands: { sandbox: string; argv: string[] }[];
  /** How each exec answers; exit 0 with no output unless set. */
  answer: (argv: string[]) => ExecOutput;
  /** Who follows the sandboxes (watchSandboxes), to be told of a stop behind Dockhand's back. */
  watchers: SandboxWatch[];
};

export function fakeBackend(): FakeBackend {
  let next = 0;
  const backend: FakeBackend = {
    live: new Set(),
    unreachable: new Map(),
    kept: new Map(),
    commands: [],
    watchers: [],
    answer: () => ({ exitCode: 0, stdout: Buffer.alloc(0), stderr: '' }),
    async start(options = {}) {
      const resumed = options.diskKey !== undefined && backend.kept.delete(options.diskKey);
      const sandbox = { id: `fake${++next}`, resumed };
      backend.live.add(sandbox.id);
      return sandbox;
    },
    async destroy(sandbox, options = {}) {
      const existed = backend.live.delete(sandbox.id) || backend.unreachable.delete(sandbox.id);
      if (existed && options.keepDiskAs) backend.kept.set(options.keepDiskAs, Date.now());
    },
    async keptDisk(key) {
      const keptAt = backend.kept.get(key);
      return keptAt === undefined ? undefined : { key, keptAt, bytes: 0 };
    },
    async forgetDisk(key) {
      backend.kept.delete(key);
    },
    sweepKeptDisks: async () => [],
    listIds: async () => [...backend.live, ...backend.unreachable.keys()],
    async adopt(id) {
      const tries = backend.unreachable.get(id);
      if (tries !== undefined) {
        backend.unreachable.set(id, tries + 1);
        return { state: 'unreachable', reason: `the engine in sandbox ${id} did not answer in time` };
      }
      return backend.live.has(id) ? { state: 'adopted', sandbox: { id } } : { state: 'gone' };
    },
    handle: (id) => ({ id }),
    async exec(sandbox, argv) {
      backend.commands.push({ sandbox: sandbox.id, argv });
      return backend.answer(argv);
    },
    attachTerminal: async () => ({ stream: new PassThrough(), resize: async () => {} }),
    publishedPorts: async () => [],
    // Nothing listens in a fake sandbox.
    async dialPort(_sandbox, port) {
      throw Object.assign(new Error(`connect ECONNREFUSED port ${port}`), { code: 'ECONNREFUSED' });
    },
    // A live sandbox's engine is empty; a gone one's does not answer (so the pool's liveness proof holds).
    async openEngine(sandbox) {
      if (!backend.live.has(sandbox.id)) throw new Error(`the engine in sandbox ${sandbox.id} does not answer`);
      return emptyEngine();
    },
    watchEvents: () => ({ stop() {} }),
    watchSandboxes(watch) {
      backend.watchers.push(watch);
      return { stop: () => void backend.watchers.splice(backend.watchers.indexOf(watch), 1) };
    },
  };
  return backend;
}

/** A learner's engine with nothing in it, as in a sandbox just started. */
function emptyEngine(): InnerEngine {
  return {
    ping: async () => {},
    containers: async () => [],
    container: async () => undefined,
    containerLogs: async () => '',
    images: async () => [],
    image: async () => undefined,
    imageHistory: async () => [],
    pullImage: async () => {},
    volumes: async () => [],
    volume: async () => undefined,
    networks: async () => [],
    network: async () => undefined,
    events: () => ({ stop() {} }),
    close() {},
  };
}

export type FakeBackendHost = BackendHost & {
  backend: FakeBackend;
  /** What the host's checks answer, each time they run: set a problem row to make the host unfit, clear it to fix it. */
  rows: CheckRow[];
  /** What the server asked to have made, in which order (set by prepare). */
  plan?: ImagePlan;
  /** Images not ready (being made, or failed); every other image runs. Change it to make one ready or fail. */
  imageStates: Map<string, ImageState>;
};

/** Not a kind a configuration can choose (BACKEND_KINDS): only a test hands this backend to startDockhand. */
const FAKE_KIND = 'fake' as BackendKind;

/** The fake backend as startDockhand takes one: a host with no problems (until a test sets some), ready at once. */
export function fakeBackendHost(backend = fakeBackend()): FakeBackendHost {
  const host: FakeBackendHost = {
    kind: FAKE_KIND,
    backend,
    rows: [],
    images: ['busybox:latest'],
    imageStates: new Map(),
    hostChecks: async () => host.rows.map((row) => ({ ...row })),
    prepare: async (_log, plan) => {
      host.plan = plan;
      return {
        backend,
        describe: async () => ({ kind: FAKE_KIND, sandboxes: backend.live.size }),
        imageState: (image) => host.imageStates.get(image) ?? { state: 'ready' },
      };
    },
  };
  return host;
}
