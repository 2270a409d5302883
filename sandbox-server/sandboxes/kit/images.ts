// What the image kit holds. Recipes live in sandboxes/images/<recipe>/; lesson images are published to
// the mirror under library/<name> so that `docker pull busybox` inside a sandbox finds them.
import path from 'node:path';

export type KitImage = {
  /** Folder under sandboxes/images/ with the Dockerfile. */
  recipe: string;
  /** Local tags; the first is the one built, the rest point at the same image. */
  tags: string[];
  /** Lesson images are served to sandboxes by the mirror; the sandbox image itself is not. */
  lesson: boolean;
};

export const RECIPES_DIR = path.resolve(import.meta.dirname, '..', 'images');

/** The Debian rootfs every offline recipe starts from (`debootstrap` + `docker import`, or a Hub pull). */
export const BASE_IMAGE = 'dockhand/debian:bookworm';
export const SANDBOX_IMAGE = 'dockhand/sandbox:latest';
export const REGISTRY_IMAGE = 'registry:2';

export const KIT_IMAGES: readonly KitImage[] = [
  { recipe: 'sandbox', tags: [SANDBOX_IMAGE], lesson: false },
  { recipe: 'busybox', tags: ['busybox:latest'], lesson: true },
  { recipe: 'hello-world', tags: ['hello-world:latest'], lesson: true },
  { recipe: 'python', tags: ['python:3', 'python:3-slim'], lesson: true },
  { recipe: 'registry', tags: [REGISTRY_IMAGE], lesson: true },
  { recipe: 'debian', tags: ['debian:bookworm', 'debian:latest'], lesson: true },
];

/** Every tag the mirror serves, e.g. "python:3-slim". */
export function lessonTags(): string[] {
  return KIT_IMAGES.filter((image) => image.lesson).flatMap((image) => image.tags);
}
