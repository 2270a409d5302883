// In which order the backend makes the images lessons name, and whether a lesson's images can run yet.
// "Ready" at start means the first lesson works completely, so its images come first; the rest follow
// lesson by lesson, so the next lesson's are there soonest.
import type { ImagePlan, ImageState } from '../sandboxes/backend.ts';
import type { Lesson } from './types.ts';

/**
 * `lessons` in course order; `offered`: every image the backend offers (BackendHost.images). Images no
 * lesson names come last: a learner may still pull them.
 */
export function imagePlan(lessons: readonly Pick<Lesson, 'images'>[], offered: readonly string[]): ImagePlan {
  const first = [...new Set(lessons[0]?.images ?? [])];
  const named = lessons.slice(1).flatMap((lesson) => lesson.images);
  const later = [...new Set([...named, ...offered])].filter((image) => !first.includes(image));
  return { first, later };
}

/** A lesson's images: all runnable, some still being made, or some that failed (each with its reason). */
export type LessonImages =
  | { state: 'ready' }
  | { state: 'preparing'; images: string[] }
  | { state: 'failed'; images: string[]; reasons: string[] };

export function lessonImages(images: readonly string[], stateOf: (image: string) => ImageState): LessonImages {
  const states = images.map((image) => ({ image, state: stateOf(image) }));
  const failed = states.flatMap(({ image, state }) => (state.state === 'failed' ? [{ image, reason: state.reason }] : []));
  if (failed.length > 0) {
    return { state: 'failed', images: failed.map(({ image }) => image), reasons: [...new Set(failed.map(({ reason }) => reason))] };
  }
  const preparing = states.filter(({ state }) => state.state === 'preparing').map(({ image }) => image);
  return preparing.length > 0 ? { state: 'preparing', images: preparing } : { state: 'ready' };
}
