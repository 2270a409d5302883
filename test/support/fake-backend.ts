// A SandboxBackend without Docker, for unit tests of what sits on top of the boundary: it hands out
// handles, remembers which live, and records what was asked of it.
import { PassThrough } from 'node:stream';
import type { ExecOutput, SandboxBackend, SandboxWatch } from '../../sandbox-server/sandboxes/backend.ts';

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
    openEngine: async () => {
      throw new Error('the fake backend has no inner engine');
    },
    watchEvents: () => ({ stop() {} }),
    watchSandboxes(watch) {
      backend.watchers.push(watch);
      return { stop: () => void backend.watchers.splice(backend.watchers.indexOf(watch), 1) };
    },
  };
  return backend;
}
