// The Docker-in-Docker sandbox backend: each sandbox is a container from the sandbox image on the host's
// engine, running its own rootless engine (sandbox.ts), with its disk on the host (disk.ts). A handle
// carries only the id; every container name and path derives from it.
import type { Config } from '../config.ts';
import { describeConfinement } from './apparmor.ts';
import type { BackendHost, SandboxBackend } from './backend.ts';
import { dialAddress } from './dial.ts';
import { deleteKeptDisk, diskExists, keptDiskAt, keptDiskFile, keptDisksDir, listDiskIds, listKeptDisks, remountDisk } from './disk.ts';
import { connectHostEngine, type Engine, engineVersion } from './docker.ts';
import { watchEngine } from './events.ts';
import { attachTerminal, execAsLearner } from './exec.ts';
import { prepareSandboxHostInStages, type SandboxHost, sandboxOptions } from './host.ts';
import { watchSandboxStops } from './host-events.ts';
import { publishedPortsOf } from './inner-engine.ts';
import { lessonTags } from './kit/images.ts';
import type { KitImageState } from './kit/kit.ts';
import { LABEL, labelFilter } from './labels.ts';
import { dockerHostChecks } from './preflight.ts';
import { assertDiskKey, disksToForget, isExpired, keepFits, NO_KEEPING } from './retention.ts';
import {
  describeSandbox,
  destroySandbox,
  openInnerEngine,
  type SandboxOptions,
  sandboxAddress,
  startSandbox,
  waitForEngine,
} from './sandbox.ts';

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function createDindBackend(host: Engine, options: SandboxOptions): SandboxBackend {
  const container = (sandbox: { id: string }) => describeSandbox(options, sandbox.id);
  const keptDir = keptDisksDir(options, options.instance);
  const retention = options.keepDisks ?? NO_KEEPING;
  const keptFile = (key: string) => {
    assertDiskKey(key);
    return keptDiskFile(keptDir, key);
  };
  const keptDisk = async (key: string) => {
    const disk = await keptDiskAt(keptFile(key));
    return disk && !isExpired(disk, retention, Date.now()) ? disk : undefined;
  };
  const forgetDisk = async (key: string) => deleteKeptDisk(keptFile(key));
  // Every preview request needs the sandbox's address: asked of the host's engine once, not per request.
  const addresses = new Map<string, Promise<string>>();
  const address = (sandbox: { id: string }) => {
    let found = addresses.get(sandbox.id);
    if (!found) {
      found = sandboxAddress(host, container(sandbox), options.network);
      // A failed lookup is not remembered: the next dial asks again (this one's caller gets the failure).
      found.catch(() => addresses.delete(sandbox.id));
      addresses.set(sandbox.id, found);
    }
    return found;
  };
  const sweepKeptDisks = async () => {
    const forget = disksToForget(await listKeptDisks(keptDir), retention, Date.now());
    for (const key of forget) await forgetDisk(key);
    return forget;
  };
  return {
    async start(startOptions = {}) {
      const { diskKey } = startOptions;
      const resumeFrom = diskKey !== undefined && (await keptDisk(diskKey)) ? keptFile(diskKey) : undefined;
      const sandbox = await startSandbox(host, options, undefined, resumeFrom);
      try {
        await waitForEngine(host, sandbox);
        return { id: sandbox.id, resumed: sandbox.resumed };
      } catch (error) {
        await destroySandbox(host, sandbox, sandbox.resumed ? resumeFrom : undefined, sandbox.keptAt);
        throw error;
      }
    },
    async destroy(sandbox, destroyOptions = {}) {
      addresses.delete(sandbox.id);
      const { keepDiskAs } = destroyOptions;
      if (keepDiskAs !== undefined) assertDiskKey(keepDiskAs);
      if (!keepDiskAs || retention.maxAgeMs === 0) return destroySandbox(host, container(sandbox));
      await destroySandbox(host, container(sandbox), keptFile(keepDiskAs));
      // The cap holds from the moment a disk is kept: a keep that does not fit is refused (retention.ts).
      await sweepKeptDisks();
      if (!keepFits(await listKeptDisks(keptDir), keepDiskAs, retention)) await forgetDisk(keepDiskAs);
    },
    keptDisk,
    forgetDisk,
    sweepKeptDisks,
    async listIds() {
      const containers = await host.listContainers({ all: true, filters: labelFilter(options.instance, 'sandbox') });
      const fromContainers = containers.map((found) => found.Labels[LABEL.sandbox]).filter((id): id is string => Boolean(id));
      return [...new Set([...fromContainers, ...(await listDiskIds(options))])];
    },
    async adopt(id, { timeoutMs }) {
      addresses.delete(id);
      const sandbox = describeSandbox(options, id);
      try {
        // A sandbox stopped with its engine (the host's dockerd restarted, or the host rebooted and
        // unmounted its disk) starts again on its own disk.
        const found = host.getContainer(sandbox.containerName);
        if (!(await found.inspect()).State.Running) {
          if (!(await remountDisk(sandbox.disk))) return { state: 'gone' };
          await found.start();
        }
        // Bounded here too: an engine that accepts a connection and never answers would hold a ping forever.
        await withTimeout(
          waitForEngine(host, sandbox, timeoutMs),
          timeoutMs,
          `the engine in sandbox ${id} did not answer within ${timeoutMs / 1000} s`,
        );
        return { state: 'adopted', sandbox: { id } };
      } catch (error) {
        if (!(await diskExists(sandbox.disk))) return { state: 'gone' };
        return { state: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
      }
    },
    handle: (id) => ({ id }),
    exec: (sandbox, argv, execOptions) => execAsLearner(host, container(sandbox), argv, execOptions),
    attachTerminal: (sandbox, argv, env) => attachTerminal(host, container(sandbox), argv, env),
    async publishedPorts(sandbox) {
      const engine = openInnerEngine(container(sandbox));
      try {
        return publishedPortsOf(await engine.containers());
      } finally {
        engine.close();
      }
    },
    dialPort: async (sandbox, port) => dialAddress(await address(sandbox), port),
    openEngine: async (sandbox) => openInnerEngine(container(sandbox)),
    watchEvents: (sandbox, onChange, watchOptions) => watchEngine(openInnerEngine(container(sandbox)), onChange, watchOptions),
    watchSandboxes: (watch) => watchSandboxStops(host, options.instance, watch),
  };
}

/** The host's Docker Engine, as the server's sandbox backend starts from it. */
export function connectDind(config: Config): BackendHost {
  const engine = connectHostEngine();
  return {
    kind: 'dind',
    images: lessonTags(),
    hostChecks: dockerHostChecks(engine, config.stateDir),
    async prepare(log, images) {
      const staged = await prepareSandboxHostInStages(engine, config, log, images);
      const host: SandboxHost = staged.host;
      const readyAt = performance.now();
      log(`image kit ready for the first lesson in ${host.kit.seconds.toFixed(1)} s; mirror at ${host.mirror.address}`);
      const confinement = describeConfinement(host.apparmor);
      if (confinement) log(confinement);
      // The other lessons' images follow the start; until then /api/health says `filling`.
      let kit: { state: 'filling' | 'ready' | 'failed'; images: KitImageState[] } = { state: 'filling', images: host.kit.images };
      staged.complete.then(
        (complete) => {
          kit = { state: 'ready', images: complete.kit.images };
          const seconds = ((performance.now() - readyAt) / 1000).toFixed(1);
          if (complete.kit.images.length > host.kit.images.length) log(`all lesson images in the mirror ${seconds} s after ready`);
        },
        (error: Error) => {
          kit = { ...kit, state: 'failed' };
          log(`${error.message}: \`docker run\` of them fails in sandboxes; \`npm run images:build\` builds them again`);
        },
      );
      return {
        backend: createDindBackend(engine, sandboxOptions(config, host)),
        describe: async () => ({
          kind: 'dind',
          docker: await engineVersion(engine),
          kit: { ...kit, mirror: host.mirror.address },
        }),
        imageState: staged.imageState,
      };
    },
  };
}
