// Makes the image kit present: the Debian bases, the sandbox image and the lesson images. Each recipe
// builds as soon as its base is there (ensureKit: all of a selection in parallel; openKit: one at a time,
// as asked); images whose recipe has not changed are reused, so a warm start does no work here. With
// Docker Hub reachable, the bases and the registry come from it, and the lesson images need no building:
// the mirror fetches them from Docker Hub on demand. kitStages says what a start makes before ready.
import type { ImagePlan } from '../backend.ts';
import { type Engine, imageId, unlessMissing } from '../docker.ts';
import { repoTag } from '../image-ref.ts';
import { LABEL } from '../labels.ts';
import { ensureBaseImage, hubReachable, tryPull } from './base.ts';
import { buildKitImage } from './build.ts';
import { baseImage, KIT_IMAGES, type KitImage, kitImagesServing, REGISTRY_IMAGE, SUITES, type Suite } from './images.ts';
import { type Board, type Progress, progressBoard } from './progress.ts';

export type KitImageState = { tags: string[]; serves: string[]; id: string; source: 'built' | 'cached' | 'pulled' };
export type KitState = {
  images: KitImageState[];
  /** Docker Hub answered: the mirror runs as its pull-through cache instead of serving the built images. */
  online: boolean;
  seconds: number;
};

export type KitOptions = {
  /** Where the live per-image progress lines are drawn when it is a terminal (else progress gets one line per image). */
  terminal?: NodeJS.WriteStream;
  /** Overrides the Docker Hub probe. */
  online?: boolean;
  /** Only these images (and what they are built on), e.g. those a first lesson needs; online, only sandboxImages. */
  only?: (image: KitImage) => boolean;
};

/**
 * What a sandbox needs to start: its own image and the registry the mirror runs. Online that is all
 * the kit holds; offline the lesson images are built too.
 */
export function sandboxImages(image: KitImage): boolean {
  return image.serves.length === 0 || image.tags.includes(REGISTRY_IMAGE);
}

/**
 * The kit in the order a start needs it: before ready, `built` (what a sandbox needs, and the plan's first
 * images) and `pushed` to the mirror (the plan's first images); after it, `later` in the plan's order.
 */
export function kitStages(plan: ImagePlan): { built: KitImage[]; pushed: KitImage[]; later: KitImage[] } {
  const pushed = kitImagesServing(plan.first);
  const built = KIT_IMAGES.filter((image) => sandboxImages(image) || pushed.includes(image));
  return { built, pushed, later: kitImagesServing(plan.later).filter((image) => !pushed.includes(image)) };
}

/** Makes kit images on demand, each at most once and after its base (a Debian base or another kit image). */
export type Kit = { online: boolean; ensure(image: KitImage): Promise<KitImageState>; close(): void };

export function openKit(engine: Engine, progress: Progress, options: { online: boolean; terminal?: NodeJS.WriteStream }): Kit {
  const board = progressBoard(progress, { terminal: options.terminal });
  // Image ids by host tag, as promises: each recipe waits for its own base only.
  const ids = new Map<string, Promise<string>>();
  const states = new Map<KitImage, Promise<KitImageState>>();
  const idOf = (tag: string): Promise<string> => {
    const known = ids.get(tag);
    if (known) return known;
    const suite = SUITES.find((candidate) => baseImage(candidate) === tag);
    const image = KIT_IMAGES.find((candidate) => candidate.tags[0] === tag);
    const id = suite
      ? ensureBase(engine, suite, board)
      : image
        ? ensure(image).then((state) => state.id)
        : Promise.reject(new Error(`no kit image builds ${tag}`));
    ids.set(tag, id);
    return id;
  };
  const ensure = (image: KitImage): Promise<KitImageState> => {
    const known = states.get(image);
    if (known) return known;
    const state = ensureImage(engine, image, options.online, () => idOf(image.base), board);
    states.set(image, state);
    const id = state.then((built) => built.id);
    // Awaited by the images built on it, if any; its failure is reported to whoever ensures it.
    id.catch(() => {});
    ids.set(image.tags[0] as string, id);
    return state;
  };
  return { online: options.online, ensure, close: () => board.close() };
}

/** The kit's images (all, or `only` those), in parallel. */
export async function ensureKit(engine: Engine, progress: Progress, options: KitOptions = {}): Promise<KitState> {
  const started = performance.now();
  const online = options.online ?? (await hubReachable());
  const kit = openKit(engine, progress, { online, terminal: options.terminal ?? process.stdout });
  try {
    const wanted = KIT_IMAGES.filter((image) => (online ? sandboxImages(image) : (options.only?.(image) ?? true)));
    const images = await Promise.all(wanted.map(kit.ensure));
    return { images, online, seconds: (performance.now() - started) / 1000 };
  } finally {
    kit.close();
  }
}

async function ensureBase(engine: Engine, suite: Suite, board: Board): Promise<string> {
  const item = `base ${suite}`;
  const base = await ensureBaseImage(engine, suite, (line) => board.update(item, line));
  if (base.source !== 'cached') board.done(item, `ready (${base.source})`);
  return base.id;
}

async function ensureImage(
  engine: Engine,
  image: KitImage,
  online: boolean,
  base: () => Promise<string>,
  board: Board,
): Promise<KitImageState> {
  const item = image.tags[0] as string;
  const state = { tags: image.tags, serves: image.serves };
  if (online && image.serves.length > 0) {
    const pulled = await pullAs(engine, image, (line) => board.update(item, line));
    if (pulled) {
      board.done(item, `pulled ${image.serves[0]}`);
      return { ...state, id: pulled, source: 'pulled' };
    }
  }
  const result = await buildKitImage(engine, image, await base(), (step, steps, instruction) =>
    board.update(item, `step ${step}/${steps} ${instruction.length > 48 ? `${instruction.slice(0, 47)}…` : instruction}`),
  );
  if (!result.cached) board.done(item, 'built');
  return { ...state, id: result.id, source: result.cached ? 'cached' : 'built' };
}

/** The Docker Hub original under the kit's host tags; undefined when the pull fails (then it is built). */
async function pullAs(engine: Engine, image: KitImage, progress: Progress): Promise<string | undefined> {
  const earlier = await unlessMissing(engine.getImage(image.tags[0] as string).inspect());
  if (earlier && !earlier.Config?.Labels?.[LABEL.recipe]) return earlier.Id;
  const hubName = image.serves[0] as string;
  if (!(await tryPull(engine, hubName, progress))) return undefined;
  for (const tag of image.tags) await engine.getImage(hubName).tag(repoTag(tag));
  return imageId(engine, hubName);
}
