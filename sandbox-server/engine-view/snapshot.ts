// Reads the learner's engine into the Engine tab's snapshot (protocol/engine.ts). Images are immutable,
// so what is read per image (its layers and build steps) is kept by id and asked for once.
import { createHash } from 'node:crypto';
import {
  type EngineContainer,
  type EngineImage,
  type EngineLayer,
  type EngineNetwork,
  type EngineSnapshot,
  type EngineVolume,
  SNAPSHOT_ITEMS_MAX,
  SNAPSHOT_LAYERS_MAX,
  SNAPSHOT_STACKS_MAX,
} from '../protocol/engine.ts';
import type { ContainerSummary, ImageSummary, InnerEngine, NetworkSummary, VolumeSummary } from '../sandboxes/inner-engine.ts';

/** One step of `docker image history`, oldest first. */
export type HistoryStep = { createdBy: string; size: number };

/** What one image's stack is made of: its layers' diff ids (RootFS, bottom first) and its build steps. */
export type ImageStack = { diffIds: string[]; history: HistoryStep[] };

export type StackCache = Map<string, Promise<ImageStack>>;

/** Steps that change only the image's configuration make no layer, whichever builder wrote them. */
const CONFIG_ONLY =
  /^(?:\/bin\/sh -c #\(nop\)\s*)?(?:CMD|ENV|LABEL|EXPOSE|ENTRYPOINT|WORKDIR|USER|ARG|VOLUME|STOPSIGNAL|HEALTHCHECK|SHELL|ONBUILD|MAINTAINER)\b/i;
const STEP_TEXT_MAX = 80;

export async function readSnapshot(engine: InnerEngine, stacks: StackCache): Promise<EngineSnapshot> {
  const [containers, images, volumes, networks] = await Promise.all([
    engine.containers(),
    engine.images(),
    engine.volumes(),
    engine.networks(),
  ]);
  const live = new Set(images.map((image) => image.Id));
  for (const id of stacks.keys()) if (!live.has(id)) stacks.delete(id);
  // Stacks cost two calls per image: only the images shown first get theirs (the rest show without layers).
  const stacked = new Set(
    sortImages(images)
      .slice(0, SNAPSHOT_STACKS_MAX)
      .map((image) => image.Id),
  );
  const withStacks = await Promise.all(
    images.map(async (image) => ({
      image,
      // An image whose layers cannot be read (removed meanwhile) is shown without them.
      stack: stacked.has(image.Id) ? await stackOf(engine, image.Id, stacks).catch(() => undefined) : undefined,
    })),
  );
  return assembleSnapshot({ containers, images: withStacks, volumes, networks });
}

function stackOf(engine: InnerEngine, id: string, stacks: StackCache): Promise<ImageStack> {
  let stack = stacks.get(id);
  if (!stack) {
    stack = Promise.all([engine.image(id), engine.imageHistory(id)]).then(([info, history]) => ({
      diffIds: info?.RootFS.Layers ?? [],
      history: history.toReversed().map((step) => ({ createdBy: step.CreatedBy, size: step.Size })),
    }));
    // A failed read is tried again next time, not remembered.
    stack.catch(() => stacks.delete(id));
    stacks.set(id, stack);
  }
  return stack;
}

export type RawEngine = {
  containers: ContainerSummary[];
  images: { image: ImageSummary; stack: ImageStack | undefined }[];
  volumes: VolumeSummary[];
  networks: NetworkSummary[];
};

/** Tagged images by their first tag, then untagged ones: the order the tab shows them in. */
function sortImages(images: ImageSummary[]): ImageSummary[] {
  const firstTag = (image: ImageSummary) => image.RepoTags.filter((tag) => tag !== '<none>:<none>').sort()[0] ?? '\uffff';
  return images.toSorted((a, b) => firstTag(a).localeCompare(firstTag(b)) || a.Id.localeCompare(b.Id));
}

export function assembleSnapshot(raw: RawEngine): EngineSnapshot {
  const containers = raw.containers.map(containerOf).sort((a, b) => a.name.localeCompare(b.name));
  const images: EngineImage[] = raw.images
    .map(({ image, stack }) => ({
      id: image.Id,
      tags: image.RepoTags.filter((tag) => tag !== '<none>:<none>').sort(),
      size: image.Size,
      layers: stack ? layersOf(stack).slice(-SNAPSHOT_LAYERS_MAX) : [],
    }))
    .sort((a, b) => (a.tags[0] ?? '\uffff').localeCompare(b.tags[0] ?? '\uffff') || a.id.localeCompare(b.id));
  const namesWhere = (has: (container: EngineContainer) => boolean) => containers.filter(has).map((container) => container.name);
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const volumes: EngineVolume[] = raw.volumes
    .map(({ Name, Driver }) => ({ name: Name, driver: Driver, mountedBy: namesWhere((container) => container.volumes.includes(Name)) }))
    .sort(byName);
  const networks: EngineNetwork[] = raw.networks
    .map(({ Name, Driver }) => ({ name: Name, driver: Driver, containers: namesWhere((container) => container.networks.includes(Name)) }))
    .sort(byName);
  const shown = <T>(items: T[]) => items.slice(0, SNAPSHOT_ITEMS_MAX);
  const beyond = (items: unknown[]) => Math.max(0, items.length - SNAPSHOT_ITEMS_MAX);
  return {
    containers: shown(containers),
    images: shown(images),
    volumes: shown(volumes),
    networks: shown(networks),
    hidden: { containers: beyond(containers), images: beyond(images), volumes: beyond(volumes), networks: beyond(networks) },
  };
}

function containerOf(info: ContainerSummary): EngineContainer {
  const seen = new Set<string>();
  const ports = info.Ports.map((port) => ({ container: port.PrivatePort, host: port.PublicPort ?? null, protocol: port.Type }))
    // IPv4 and IPv6 list the same publication twice.
    .filter((port) => {
      const key = `${port.container}/${port.protocol}:${port.host}`;
      return !seen.has(key) && Boolean(seen.add(key));
    })
    .sort((a, b) => a.container - b.container || (a.host ?? 0) - (b.host ?? 0));
  return {
    id: info.Id,
    name: (info.Names[0] ?? info.Id.slice(0, 12)).replace(/^\//, ''),
    image: info.Image,
    imageId: info.ImageID,
    state: info.State,
    status: info.Status,
    ports,
    volumes: info.Mounts.filter((mount) => mount.Type === 'volume' && mount.Name).map((mount) => mount.Name as string),
    networks: Object.keys(info.NetworkSettings.Networks).sort(),
  };
}

/**
 * Layers bottom first, each keyed by its chain id (OCI: the digest of the chain below and its own diff
 * id), so two images built on one base share keys exactly where they share layers on disk.
 */
export function layersOf(stack: ImageStack): EngineLayer[] {
  const steps = layerSteps(stack.history, stack.diffIds.length);
  let chain = '';
  return stack.diffIds.map((diffId, index) => {
    chain = index === 0 ? diffId : `sha256:${createHash('sha256').update(`${chain} ${diffId}`).digest('hex')}`;
    const step = steps?.[index];
    return { key: chain, size: step ? step.size : null, createdBy: step ? stepText(step.createdBy) : '' };
  });
}

/** The history steps that made the layers, matched one to one, or undefined when they cannot be told apart. */
function layerSteps(history: HistoryStep[], layers: number): HistoryStep[] | undefined {
  const sized = history.filter((step) => step.size > 0);
  if (sized.length === layers) return sized;
  const made = history.filter((step) => !CONFIG_ONLY.test(step.createdBy.trim()));
  return made.length === layers ? made : undefined;
}

/** A build step as a person would write it: without the shell prefix and BuildKit's comment. */
function stepText(createdBy: string): string {
  const text = createdBy
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .replace(/^\/bin\/sh -c /, 'RUN ')
    .replace(/^RUN \/bin\/sh -c /, 'RUN ')
    .replace(/\s*# buildkit$/, '')
    // A copied file or folder is named by its digest: the first 12 digits say enough.
    .replace(/\b(file|dir):([0-9a-f]{12})[0-9a-f]+/g, '$1:$2…')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > STEP_TEXT_MAX ? `${text.slice(0, STEP_TEXT_MAX - 1)}…` : text;
}
