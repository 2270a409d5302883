// Everything the host needs before sandboxes can start: the image kit, the sandbox network with its
// firewall, and the filled mirror. Used by the server at start (after its own preflight), and through
// readySandboxHost by every tool that starts DinD sandboxes without it (the test suite's setup, the
// course's self-test, the bench): one bootstrap.
import type { Config } from '../config.ts';
import { ensureHostReady } from '../preflight.ts';
import { type AppArmorConfinement, loadSandboxProfile, readAppArmorHost } from './apparmor.ts';
import type { ImagePlan, ImageState } from './backend.ts';
import type { Engine } from './docker.ts';
import { hubReachable } from './kit/base.ts';
import { type KitImage, lessonTags } from './kit/images.ts';
import { ensureKit, type KitImageState, type KitState, kitStages, openKit } from './kit/kit.ts';
import { ensureMirror, type Mirror, type MirrorFill, openMirrorFill, removeMirror } from './kit/mirror.ts';
import { type Progress, prefixed } from './kit/progress.ts';
import { ensureNetwork, networkPlan, removeNetwork, type SandboxNetwork } from './network.ts';
import { dockerHostChecks } from './preflight.ts';
import type { SandboxOptions } from './sandbox.ts';

export type SandboxHost = { kit: KitState; network: SandboxNetwork; mirror: Mirror; apparmor: AppArmorConfinement };

/** Where an instance's sandboxes keep their files: what names a sandbox's container and disk by its id. */
export function sandboxDirs(config: Config): Pick<SandboxOptions, 'instance' | 'runDir' | 'stateDir'> {
  return { instance: config.instance, runDir: config.backend.runDir, stateDir: config.stateDir };
}

/** How this Dockhand's sandboxes are made: its names, folders, network, mirror and limits. */
export function sandboxOptions(config: Config, host: SandboxHost): SandboxOptions {
  return {
    ...sandboxDirs(config),
    network: host.network,
    mirror: host.mirror.address,
    apparmor: host.apparmor,
    limits: config.limits,
    keepDisks: config.keepDisks,
  };
}

/** Everything, every lesson image in the mirror included (what the tests and the scripts want). */
export async function prepareSandboxHost(engine: Engine, config: Config, progress: Progress): Promise<SandboxHost> {
  return (await prepareSandboxHostInStages(engine, config, progress, { first: lessonTags(), later: [] })).complete;
}

/**
 * `host` is ready for a first sandbox and for the plan's first images (the sandbox and registry images
 * built, the network made, the mirror answering and holding those images). The plan's later images
 * are then built in its order and each is pushed to the mirror as soon as it is built; `imageState`
 * says which are there, and `complete` resolves when all are, or rejects naming those that failed.
 */
export type StagedHost = { host: SandboxHost; imageState(image: string): ImageState; complete: Promise<SandboxHost> };

/** Later images built at once: two keep both cores and the Debian mirror busy, while the next lesson's still come first. */
const LATER_BUILDS = 2;

export async function prepareSandboxHostInStages(engine: Engine, config: Config, progress: Progress, plan: ImagePlan): Promise<StagedHost> {
  const log = prefixed('images', progress);
  const online = await hubReachable();
  const stages = kitStages(plan);
  const kit = await ensureKit(engine, log, { online, only: (image) => stages.built.includes(image) });
  const network = networkPlan(config);
  await ensureNetwork(engine, config, network);
  const mirror = await ensureMirror(engine, config, network, online);
  const apparmor = await loadSandboxProfile(await readAppArmorHost(), config.backend.apparmor);
  const host = { kit, network, mirror, apparmor };
  // Online the mirror fetches every image from Docker Hub on demand: nothing to wait for.
  const states = new Map<string, ImageState>(lessonTags().map((ref) => [ref, { state: online ? 'ready' : 'preparing' }]));
  const imageState = (image: string): ImageState => states.get(image) ?? { state: 'failed', reason: `the image kit has no ${image}` };
  if (online) return { host, imageState, complete: Promise.resolve(host) };
  const fill = await openMirrorFill(engine, config, prefixed('mirror', progress));
  try {
    await Promise.all(
      stages.pushed.map(async (image) => {
        await fill.push(image.serves);
        for (const ref of image.serves) states.set(ref, { state: 'ready' });
      }),
    );
  } catch (error) {
    await fill.close();
    throw error;
  }
  const complete = fillLater(engine, stages.later, fill, states, log).then((images) => ({
    ...host,
    kit: { ...kit, images: [...kit.images, ...images.filter((image) => !kit.images.some((made) => made.id === image.id))] },
  }));
  return { host, imageState, complete };
}

/**
 * Builds `images` in their order, LATER_BUILDS at once, and pushes each as soon as it is built while the
 * next builds (a big image's push took 38 s here: builds waiting on it would delay the next lessons').
 * A failed one is marked and the rest go on.
 */
async function fillLater(
  engine: Engine,
  images: readonly KitImage[],
  fill: MirrorFill,
  states: Map<string, ImageState>,
  log: Progress,
): Promise<KitImageState[]> {
  const kit = openKit(engine, log, { online: false });
  const made: KitImageState[] = [];
  const failed: string[] = [];
  const pushes: Promise<void>[] = [];
  const fail = (image: KitImage, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    log(message);
    // The first line is the sentence; the rest is the build's own output, for the log.
    const reason = message.split('\n')[0] as string;
    for (const ref of image.serves) states.set(ref, { state: 'failed', reason });
    failed.push(...image.serves);
  };
  const push = async (image: KitImage) => {
    try {
      await fill.push(image.serves);
      for (const ref of image.serves) states.set(ref, { state: 'ready' });
    } catch (error) {
      fail(image, error);
    }
  };
  let next = 0;
  const worker = async () => {
    for (let image = images[next++]; image; image = images[next++]) {
      try {
        made.push(await kit.ensure(image));
        pushes.push(push(image));
      } catch (error) {
        fail(image, error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: LATER_BUILDS }, worker));
    await Promise.all(pushes);
  } finally {
    kit.close();
    await fill.close();
  }
  if (failed.length > 0) throw new Error(`these lesson images could not be made: ${failed.join(', ')} (see above)`);
  return made;
}

/** For tools without the server: the preflight (fixing what is safe, refusing what blocks sandboxes), then the host prepared. */
export async function readySandboxHost(engine: Engine, config: Config, progress: Progress): Promise<SandboxHost> {
  await ensureHostReady(dockerHostChecks(engine, config.stateDir), { fix: config.fixHost }, prefixed('preflight', progress));
  return prepareSandboxHost(engine, config, progress);
}

/** Removes the mirror and network of an instance (its volume stays, as a cache, unless asked). */
export async function teardownSandboxHost(engine: Engine, config: Config): Promise<void> {
  await removeMirror(engine, config);
  await removeNetwork(engine, networkPlan(config));
}
