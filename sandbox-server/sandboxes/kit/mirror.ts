// The room's image mirror: a read-only registry on the sandbox network that every inner engine uses as
// its Docker Hub mirror. It is filled from the host engine's lesson images through a short-lived
// writable registry that only the host can reach (127.0.0.1), so no learner can push into it.
import type { Config } from '../../config.ts';
import { type Engine, followStream, imageId, isNotFound, removeContainer, unlessMissing } from '../docker.ts';
import { repoTag } from '../image-ref.ts';
import { labelsFor, resourceName } from '../labels.ts';
import type { SandboxNetwork } from '../network.ts';
import { lessonTags, REGISTRY_IMAGE } from './images.ts';
import type { Progress } from './progress.ts';

export type Mirror = { address: string; url: string };

const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';

export function mirrorNames(config: Config) {
  return {
    container: resourceName(config.instance, 'mirror'),
    fill: resourceName(config.instance, 'mirror-fill'),
    volume: resourceName(config.instance, 'mirror-data'),
  };
}

export async function ensureMirror(engine: Engine, config: Config, plan: SandboxNetwork, progress: Progress): Promise<Mirror> {
  const mirror = { address: `${plan.mirrorIp}:${plan.mirrorPort}`, url: `http://${plan.mirrorIp}:${plan.mirrorPort}` };
  const names = mirrorNames(config);
  await startMirror(engine, config, plan);
  await waitForRegistry(mirror.url);
  const stale = await staleTags(engine, mirror.url);
  if (stale.length === 0) return mirror;
  progress(`filling the mirror with ${stale.join(', ')}`);
  await fillMirror(engine, config, stale, progress);
  // Restarted so its in-memory caches see the new content.
  await engine.getContainer(names.container).restart();
  await waitForRegistry(mirror.url);
  return mirror;
}

async function startMirror(engine: Engine, config: Config, plan: SandboxNetwork): Promise<void> {
  const names = mirrorNames(config);
  const container = engine.getContainer(names.container);
  try {
    const info = await container.inspect();
    if (!info.State.Running) await container.start();
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await ensureVolumeLabelled(engine, config, names.volume);
  const created = await engine.createContainer({
    name: names.container,
    Image: REGISTRY_IMAGE,
    Labels: labelsFor(config.instance, 'mirror'),
    Env: ['REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled":true}'],
    HostConfig: {
      Binds: [`${names.volume}:/var/lib/registry`],
      RestartPolicy: { Name: 'unless-stopped' },
      NetworkMode: plan.name,
      Memory: 256 * 1024 * 1024,
      PidsLimit: 256,
    },
    NetworkingConfig: { EndpointsConfig: { [plan.name]: { IPAMConfig: { IPv4Address: plan.mirrorIp } } } },
  });
  await created.start();
}

async function ensureVolumeLabelled(engine: Engine, config: Config, name: string): Promise<void> {
  // A volume created implicitly by a bind would carry no labels, so it is created first.
  if (!(await unlessMissing(engine.getVolume(name).inspect())))
    await engine.createVolume({ Name: name, Labels: labelsFor(config.instance, 'mirror') });
}

/** Lesson tags whose image in the mirror differs from the local one (config digest = image id). */
async function staleTags(engine: Engine, url: string): Promise<string[]> {
  const stale: string[] = [];
  for (const ref of lessonTags()) {
    const local = await imageId(engine, ref);
    if (!local) throw new Error(`lesson image ${ref} is missing; build the kit with \`npm run images:build\`.`);
    const { repo, tag } = repoTag(ref);
    const response = await fetch(`${url}/v2/library/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_TYPES } });
    const manifest = response.ok ? ((await response.json()) as { config?: { digest?: string } }) : undefined;
    if (manifest?.config?.digest !== local) stale.push(ref);
  }
  return stale;
}

async function fillMirror(engine: Engine, config: Config, refs: string[], progress: Progress): Promise<void> {
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
  try {
    await fill.start();
    const port = (await fill.inspect()).NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
    if (!port) throw new Error('the mirror fill registry got no host port');
    const registry = `127.0.0.1:${port}`;
    await waitForRegistry(`http://${registry}`);
    for (const ref of refs) {
      const { repo, tag } = repoTag(ref);
      const target = `${registry}/library/${repo}`;
      await engine.getImage(ref).tag({ repo: target, tag });
      // The engine insists on an auth header even for a registry without auth.
      try {
        await followStream(engine, await engine.getImage(`${target}:${tag}`).push({ authconfig: { serveraddress: registry } }));
        progress(`mirror has library/${repo}:${tag}`);
      } finally {
        await engine.getImage(`${target}:${tag}`).remove({ noprune: true });
      }
    }
  } finally {
    await removeContainer(engine, names.fill);
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
