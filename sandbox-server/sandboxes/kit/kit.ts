// Makes the whole image kit present: base, sandbox image and lesson images. Recipes build in parallel;
// images whose recipe has not changed are reused, so a warm start does no work here.
import { type Engine, imageId } from '../docker.ts';
import { LABEL } from '../labels.ts';
import { ensureBaseImage, tryPull } from './base.ts';
import { buildKitImage } from './build.ts';
import { KIT_IMAGES, type KitImage } from './images.ts';
import { type Progress, prefixed } from './progress.ts';

export type KitImageState = { tags: string[]; id: string; source: 'built' | 'cached' | 'pulled' };
export type KitState = { images: KitImageState[]; seconds: number };

export async function ensureKit(engine: Engine, progress: Progress): Promise<KitState> {
  const started = performance.now();
  const base = await ensureBaseImage(engine, prefixed('base', progress));
  if (base.source !== 'cached') progress(`base: ready (${base.source})`);
  const images = await Promise.all(KIT_IMAGES.map((image) => ensureImage(engine, image, base.id, prefixed(image.recipe, progress))));
  return { images, seconds: (performance.now() - started) / 1000 };
}

async function ensureImage(engine: Engine, image: KitImage, baseId: string, progress: Progress): Promise<KitImageState> {
  if (image.lesson && (await pulledEarlierOrNow(engine, image, progress))) {
    return { tags: image.tags, id: (await imageId(engine, image.tags[0] as string)) as string, source: 'pulled' };
  }
  const result = await buildKitImage(engine, image, baseId, progress);
  if (!result.cached) progress(`built ${image.tags.join(', ')}`);
  return { tags: image.tags, id: result.id, source: result.cached ? 'cached' : 'built' };
}

/**
 * Lesson images come from Docker Hub when it answers. An image present without our recipe label was
 * pulled before and is kept; offline, the pull fails at once and the recipe is built instead.
 */
async function pulledEarlierOrNow(engine: Engine, image: KitImage, progress: Progress): Promise<boolean> {
  const ids = await Promise.all(
    image.tags.map((tag) =>
      engine
        .getImage(tag)
        .inspect()
        .catch(() => undefined),
    ),
  );
  if (ids.every((info) => info && !info.Config?.Labels?.[LABEL.recipe])) return true;
  if (ids.some((info) => info?.Config?.Labels?.[LABEL.recipe])) return false;
  for (const tag of image.tags) {
    if (!(await tryPull(engine, tag, progress))) return false;
  }
  return true;
}
