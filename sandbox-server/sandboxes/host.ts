// Everything the host needs before sandboxes can start: the image kit, the sandbox network with its
// firewall, and the filled mirror. Used by the server at start (after its own preflight), and through
// readySandboxHost by every tool that starts DinD sandboxes without it (the test suite's setup, the
// course's self-test, the bench): one bootstrap.
import type { Config } from '../config.ts';
import { ensureHostReady } from '../preflight.ts';
import { type AppArmorConfinement, loadSandboxProfile, readAppArmorHost } from './apparmor.ts';
import type { Engine } from './docker.ts';
import { ensureKit, type KitState } from './kit/kit.ts';
import { ensureMirror, fillMirror, type Mirror, removeMirror } from './kit/mirror.ts';
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

/** Everything, the lesson images and the filled mirror included (what the tests and the scripts want). */
export async function prepareSandboxHost(engine: Engine, config: Config, progress: Progress): Promise<SandboxHost> {
  return (await prepareSandboxHostInStages(engine, config, progress)).complete;
}

/**
 * `host` is ready for a first sandbox: the sandbox and registry images built, the network made, the
 * mirror answering. `complete` then builds the lesson images and fills the mirror, so on a fresh machine
 * a learner gets a prompt while the lesson images are still building (only their pulls wait).
 */
export async function prepareSandboxHostInStages(
  engine: Engine,
  config: Config,
  progress: Progress,
): Promise<{ host: SandboxHost; complete: Promise<SandboxHost> }> {
  const images = prefixed('images', progress);
  const kit = await ensureKit(engine, images, { sandboxOnly: true });
  const network = networkPlan(config);
  await ensureNetwork(engine, config, network);
  const mirror = await ensureMirror(engine, config, network, kit.online);
  const apparmor = await loadSandboxProfile(await readAppArmorHost(), config.backend.apparmor);
  const host = { kit, network, mirror, apparmor };
  const complete = (async () => {
    // The sandbox's images are found again by their recipe hash: cached, a few inspects.
    const full = await ensureKit(engine, images, { online: kit.online });
    await fillMirror(engine, config, mirror, prefixed('mirror', progress));
    return { ...host, kit: { ...full, seconds: kit.seconds + full.seconds } };
  })();
  return { host, complete };
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
