// What the rest of the server knows about sandboxes: launch one, find the live ones after a restart,
// adopt or destroy them, run a command in one. How a sandbox runs (Docker-in-Docker) stays in here.
import { listDiskIds } from './disk.ts';
import { connectSocket, type Engine } from './docker.ts';
import { LABEL, labelFilter } from './labels.ts';
import {
  type CommandResult,
  describeSandbox,
  destroySandbox,
  runInSandbox,
  type Sandbox,
  type SandboxOptions,
  sandboxAddress,
  startSandbox,
  waitForEngine,
} from './sandbox.ts';

export type SandboxService = {
  /** The host engine, for the modules that talk to a sandbox (terminals, files, preview). */
  host: Engine;
  launch(): Promise<Sandbox>;
  destroy(sandbox: Sandbox): Promise<void>;
  /** Ids of the sandboxes this instance has, running or not, or only a disk left by a crash. */
  listIds(): Promise<string[]>;
  /** Reconnects to a sandbox left by an earlier server; undefined when it is no longer usable. */
  adopt(id: string): Promise<Sandbox | undefined>;
  describe(id: string): Sandbox;
  run(sandbox: Sandbox, argv: string[]): Promise<CommandResult>;
  /** A client for the sandbox's own (inner) engine, over its socket. */
  inner(sandbox: Sandbox): Engine;
  address(sandbox: Sandbox): Promise<string>;
};

export function createSandboxService(host: Engine, options: SandboxOptions): SandboxService {
  const service: SandboxService = {
    host,
    async launch() {
      const sandbox = await startSandbox(host, options);
      try {
        await waitForEngine(host, sandbox);
        return sandbox;
      } catch (error) {
        await destroySandbox(host, sandbox);
        throw error;
      }
    },
    destroy: (sandbox) => destroySandbox(host, sandbox),
    async listIds() {
      const containers = await host.listContainers({ all: true, filters: labelFilter(options.instance, 'sandbox') });
      const fromContainers = containers.map((container) => container.Labels[LABEL.sandbox]).filter((id): id is string => Boolean(id));
      return [...new Set([...fromContainers, ...(await listDiskIds(options))])];
    },
    async adopt(id) {
      const sandbox = describeSandbox(options, id);
      try {
        // A sandbox stopped with its engine (e.g. the host's dockerd restarted) starts again with its data.
        const container = host.getContainer(sandbox.containerName);
        if (!(await container.inspect()).State.Running) await container.start();
        await waitForEngine(host, sandbox, 15_000);
        return sandbox;
      } catch {
        return undefined;
      }
    },
    describe: (id) => describeSandbox(options, id),
    run: (sandbox, argv) => runInSandbox(host, sandbox, argv),
    inner: (sandbox) => connectSocket(sandbox.socketPath),
    address: (sandbox) => sandboxAddress(host, sandbox, options.network),
  };
  return service;
}
