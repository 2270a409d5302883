// What the image kit holds. Recipes live in sandboxes/images/<recipe>/. The host keeps every kit image
// under dockhand/kit/, so a kit never retags images of the host's own (or of an older Dockhand on the
// same engine); the mirror serves lesson images under their Docker Hub names (library/<name>), so that
// `docker pull busybox` inside a sandbox finds them.
import path from 'node:path';

/** The Debian releases the kit's bases are made of. */
export type Suite = 'trixie' | 'bookworm';
export const SUITES: readonly Suite[] = ['trixie', 'bookworm'];

export type KitImage = {
  /** Folder under sandboxes/images/ with the Dockerfile. */
  recipe: string;
  /** The image handed to the recipe as its BASE build argument: a Debian base or another kit image. */
  base: string;
  /** Host tags; the first is the one built, the rest point at the same image. */
  tags: string[];
  /** Docker Hub names the mirror serves this image as; none for the sandbox image itself. */
  serves: string[];
  /** npm packages from Dockhand's own install the recipe copies in: each is `<name>/` in its build context. */
  packages?: readonly string[];
};

export const RECIPES_DIR = path.resolve(import.meta.dirname, '..', 'images');

/**
 * DOCKHAND_KIT_NAMESPACE puts a whole second kit beside the shared one, for measuring a fresh build
 * (e.g. `dockhand/perfkit/`) without touching the images everyone's tests use.
 */
const NAMESPACE = kitNamespace(process.env.DOCKHAND_KIT_NAMESPACE ?? 'dockhand/kit/');

export function kitNamespace(value: string): string {
  if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*\/$/.test(value)) {
    throw new Error(`DOCKHAND_KIT_NAMESPACE "${value}" must be a repository prefix ending in "/", e.g. dockhand/perfkit/.`);
  }
  return value;
}

/** Where the host keeps the kit's copy of a Docker Hub image: `busybox:latest` → `dockhand/kit/busybox:latest`. */
export function hostTag(hubName: string): string {
  return `${NAMESPACE}${hubName}`;
}

/** The minimal Debian rootfs recipes start from (`mmdebstrap` + `docker import`, or a Hub pull). */
export function baseImage(suite: Suite): string {
  return `${NAMESPACE}base:${suite}`;
}

export const SANDBOX_IMAGE = `${NAMESPACE}sandbox:latest`;
export const REGISTRY_IMAGE = hostTag('registry:2');

function lessonImage(recipe: string, base: string, serves: string[], packages?: readonly string[]): KitImage {
  return { recipe, base, tags: serves.map(hostTag), serves, packages };
}

const TRIXIE = baseImage('trixie');

export const KIT_IMAGES: readonly KitImage[] = [
  { recipe: 'sandbox', base: TRIXIE, tags: [SANDBOX_IMAGE], serves: [] },
  lessonImage('busybox', TRIXIE, ['busybox:latest']),
  lessonImage('hello-world', TRIXIE, ['hello-world:latest']),
  lessonImage('debian', TRIXIE, ['debian:trixie', 'debian:13', 'debian:latest']),
  lessonImage('debian', baseImage('bookworm'), ['debian:bookworm', 'debian:12']),
  lessonImage('python-slim', TRIXIE, ['python:3-slim', 'python:slim']),
  // On top of python:3-slim, so the two share their layers: built, stored and pulled once.
  lessonImage('python', hostTag('python:3-slim'), ['python:3', 'python:latest']),
  lessonImage('nginx', TRIXIE, ['nginx:latest']),
  lessonImage('redis', TRIXIE, ['redis:latest']),
  // npm is the registry's (as on Hub), pinned by Dockhand's package-lock.json: Debian's npm package pulls
  // in 380 packages of 33,000 files (babel, webpack, eslint among them), which tripled the build's time.
  lessonImage('node', TRIXIE, ['node:latest', 'node:20'], ['npm']),
  lessonImage('registry', TRIXIE, ['registry:2']),
];

/** Every Docker Hub name the mirror serves, e.g. "python:3-slim". */
export function lessonTags(): string[] {
  return KIT_IMAGES.flatMap((image) => image.serves);
}

/** The kit images that serve `refs` (Docker Hub names), in the order `refs` first names them. */
export function kitImagesServing(refs: readonly string[]): KitImage[] {
  const images = refs.flatMap((ref) => KIT_IMAGES.filter((image) => image.serves.includes(ref)));
  return [...new Set(images)];
}
