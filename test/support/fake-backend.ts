// A SandboxBackend without Docker, for unit tests of what sits on top of the boundary: it hands out
// handles, remembers which live, and records what was asked of it.
import { PassThrough } from 'node:stream';
import type { ExecOutput, SandboxBackend } from '../../sandbox-server/sandboxes/backend.ts';

export type FakeBackend = SandboxBackend & {
  live: Set<string>;
  /** Disks kept by key, with when they were kept. */
  kept: Map<string, number>;
  commands: { sandbox: string; argv: string[] }[];
  /** How each exec answers; exit 0 with no output unless set. */
  answer: (argv: string[]) => ExecOutput;
};

export function fakeBackend(): FakeBackend {
  let next = 0;
  const backend: FakeBackend = {
    live: new Set(),
    kept: new Map(),
    commands: [],
    answer: () => ({ exitCode: 0, stdout: Buffer.alloc(0), stderr: '' }),
    async start(options = {}) {
      const resumed = options.diskKey !== undefined && backend.kept.delete(options.diskKey);
      const sandbox = { id: `fake${++next}`, resumed };
      backend.live.add(sandbox.id);
      return sandbox;
    },
    async destroy(sandbox, options = {}) {
      if (backend.live.delete(sandbox.id) && options.keepDiskAs) backend.kept.set(options.keepDiskAs, Date.now());
    },
    async keptDisk(key) {
      const keptAt = backend.kept.get(key);
      return keptAt === undefined ? undefined : { key, keptAt, bytes: 0 };
    },
    async forgetDisk(key) {
      backend.kept.delete(key);
    },
    sweepKeptDisks: async () => [],
    listIds: async () => [...backend.live],
    adopt: async (id) => (backend.live.has(id) ? { id } : undefined),
    handle: (id) => ({ id }),
    async exec(sandbox, argv) {
      backend.commands.push({ sandbox: sandbox.id, argv });
      return backend.answer(argv);
    },
    attachTerminal: async () => ({ stream: new PassThrough(), resize: async () => {} }),
    publishedPorts: async () => [],
    address: async () => '127.0.0.1',
    openEngine: async () => {
      throw new Error('the fake backend has no inner engine');
    },
    watchEvents: () => ({ stop() {} }),
  };
  return backend;
}
