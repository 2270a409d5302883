// The room's image mirror: a registry on the sandbox network that every inner engine uses as its Docker
// Hub mirror. Offline it is read-only and holds the kit's lesson images, filled from the host engine
// through a short-lived writable registry that only the host can reach (127.0.0.1), so no learner can
// push into it. Online it is Docker Hub's pull-through cache: any image works, and a room pulls each once.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { Config } from '../../config.ts';
import { type Engine, followStream, imageId, isNotFound, removeContainer, unlessMissing } from '../docker.ts';
import { repoTag } from '../image-ref.ts';
import { LABEL, labelsFor, resourceName } from '../labels.ts';
import type { SandboxNetwork } from '../network.ts';
import { HUB_REGISTRY } from './base.ts';
import { hostTag, REGISTRY_IMAGE } from './images.ts';
import type { Progress } from './progress.ts';

export type Mirror = { address: string; url: string; online: boolean };

/** The mirror's name on the sandbox network, for learners (`curl http://mirror:5000/v2/_catalog`). */
export const MIRROR_ALIAS = 'mirror';

const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';

export function mirrorNames(config: Config) {
  return {
    container: resourceName(config.instance, 'mirror'),
    fill: resourceName(config.instance, 'mirror-fill'),
    volume: resourceName(config.instance, 'mirror-data'),
    /** Kept apart from the offline content: the cache expires what it holds. */
    cacheVolume: resourceName(config.instance, 'mirror-cache'),
  };
}

/**
 * The mirror container, read-only with the kit's images or as Docker Hub's pull-through cache. Its
 * label carries a hash of all of it, so a change (a new registry image, going online) recreates it.
 */
export function mirrorSpec(config: Config, plan: SandboxNetwork, registryId: string, online: boolean): Docker.ContainerCreateOptions {
  const names = mirrorNames(config);
  const spec = {
    name: names.container,
    Image: registryId,
    Env: online ? [`REGISTRY_PROXY_REMOTEURL=${HUB_REGISTRY}`] : ['REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled":true}'],
    HostConfig: {
      Binds: [`${online ? names.cacheVolume : names.volume}:/var/lib/registry`],
      RestartPolicy: { Name: 'unless-stopped' },
      NetworkMode: plan.name,
      Memory: 256 * 1024 * 1024,
      PidsLimit: 256,
    },
    NetworkingConfig: { EndpointsConfig: { [plan.name]: { IPAMConfig: { IPv4Address: plan.mirrorIp }, Aliases: [MIRROR_ALIAS] } } },
  };
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 32);
  return { ...spec, Labels: labelsFor(config.instance, 'mirror', { [LABEL.recipe]: hash }) };
}

/** The mirror running and answering; offline it serves what it held before, until a MirrorFill brings it up to date. */
export async function ensureMirror(engine: Engine, config: Config, plan: SandboxNetwork, online: boolean): Promise<Mirror> {
  const mirror = { address: `${plan.mirrorIp}:${plan.mirrorPort}`, url: `http://${plan.mirrorIp}:${plan.mirrorPort}`, online };
  const registryId = await imageId(engine, REGISTRY_IMAGE);
  if (!registryId) throw new Error(`the mirror's image ${REGISTRY_IMAGE} is missing; build the kit with \`npm run images:build\`.`);
  const spec = mirrorSpec(config, plan, registryId, online);
  await startMirror(engine, config, spec);
  await waitForRegistry(mirror.url);
  return mirror;
}

/**
 * Offline, puts lesson images into the mirror one image at a time, as each is built: a writable
 * registry on the mirror's volume that only the host reaches. The read-only mirror serves what it
 * pushes at once (measured: a tag it had answered 404 for pulls right after its push), so it is never
 * restarted and no pull in flight is cut.
 */
export type MirrorFill = {
  /** Pushes the tags (Docker Hub names of one kit image) the mirror lacks or holds in an older build. */
  push(refs: readonly string[]): Promise<void>;
  close(): Promise<void>;
};

export async function openMirrorFill(engine: Engine, config: Config, progress: Progress): Promise<MirrorFill> {
  const names = mirrorNames(config);
  await removeContainer(engine, names.fill);
  const fill = await engine.createContainer({
    name: names.fill,
    Image: REGISTRY_IMAGE,
    Labels: labelsFor(config.instance, 'mirror-fill'),
    ExposedPorts: { '5000/tcp': {} },
    HostConfig: {
      Binds: [`${names.volume}:/var/lib/registry`],
      PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    },
  });
  const close = () => removeContainer(engine, names.fill);
  try {
    await fill.start();
    const port = (await fill.inspect()).NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
    if (!port) throw new Error('the mirror fill registry got no host port');
    const registry = `127.0.0.1:${port}`;
    await waitForRegistry(`http://${registry}`);
    return {
      async push(refs) {
        const stale = await staleTags(engine, `http://${registry}`, refs);
        // One at a time: tags of one image share all their layers.
        for (const ref of stale) await pushTo(engine, registry, ref);
        if (stale.length > 0) progress(`mirror has ${stale.join(', ')}`);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function startMirror(engine: Engine, config: Config, spec: Docker.ContainerCreateOptions): Promise<void> {
  const container = engine.getContainer(spec.name as string);
  try {
    const info = await container.inspect();
    if (info.Config.Labels?.[LABEL.recipe] === spec.Labels?.[LABEL.recipe]) {
      if (!info.State.Running) await container.start();
      return;
    }
    await removeContainer(engine, info.Id);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const volume = spec.HostConfig?.Binds?.[0]?.split(':')[0] as string;
  await ensureVolumeLabelled(engine, config, volume);
  await (await engine.createContainer(spec)).start();
}

async function ensureVolumeLabelled(engine: Engine, config: Config, name: string): Promise<void> {
  // A volume created implicitly by a bind would carry no labels, so it is created first.
  if (!(await unlessMissing(engine.getVolume(name).inspect())))
    await engine.createVolume({ Name: name, Labels: labelsFor(config.instance, 'mirror') });
}

/** Of `refs`, those whose image in the registry differs from the host's (config digest = image id). */
async function staleTags(engine: Engine, url: string, refs: readonly string[]): Promise<string[]> {
  const current = await Promise.all(
    refs.map(async (ref) => {
      const local = await imageId(engine, hostTag(ref));
      if (!local) throw new Error(`lesson image ${hostTag(ref)} is missing; build the kit with \`npm run images:build\`.`);
      const { repo, tag } = repoTag(ref);
      const response = await fetch(`${url}/v2/library/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_TYPES } });
      const manifest = response.ok ? ((await response.json()) as { config?: { digest?: string } }) : undefined;
      return manifest?.config?.digest === local;
    }),
  );
  return refs.filter((_, index) => !current[index]);
}

async function pushTo(engine: Engine, registry: string, ref: string): Promise<void> {
  const { repo, tag } = repoTag(ref);
  const target = `${registry}/library/${repo}`;
  await engine.getImage(hostTag(ref)).tag({ repo: target, tag });
  // The engine insists on an auth header even for a registry without auth.
  try {
    await followStream(engine, await engine.getImage(`${target}:${tag}`).push({ authconfig: { serveraddress: registry } }));
  } finally {
    await engine.getImage(`${target}:${tag}`).remove({ noprune: true });
  }
}

async function waitForRegistry(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the registry at ${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function removeMirror(engine: Engine, config: Config): Promise<void> {
  const names = mirrorNames(config);
  await removeContainer(engine, names.fill);
  await removeContainer(engine, names.container);
}
