// Everything the host needs before sandboxes can start: the image kit, the sandbox network with its
// firewall, and the filled mirror. Used by the server at start (after its own preflight), and through
// readySandboxHost by every tool that starts DinD sandboxes without it (the test suite's setup, the
// course's self-test, the bench): one bootstrap.
import type { Config } from '../config.ts';
import { ensureHostReady } from '../preflight.ts';
import { type AppArmorConfinement, loadSandboxProfile, readAppArmorHost } from './apparmor.ts';
import type { Engine } from './docker.ts';
import { ensureKit, type KitState } from './kit/kit.ts';
import { ensureMirror, type Mirror, removeMirror } from './kit/mirror.ts';
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

export async function prepareSandboxHost(engine: Engine, config: Config, progress: Progress): Promise<SandboxHost> {
  const kit = await ensureKit(engine, prefixed('images', progress));
  const network = networkPlan(config);
  await ensureNetwork(engine, config, network);
  const mirror = await ensureMirror(engine, config, network, kit.online, prefixed('mirror', progress));
  const apparmor = await loadSandboxProfile(await readAppArmorHost(), config.backend.apparmor);
  return { kit, network, mirror, apparmor };
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
