import { describe, expect, it } from 'vitest';
import { repoTag } from '../../sandbox-server/sandboxes/image-ref.ts';
import { recipeHash } from '../../sandbox-server/sandboxes/kit/build.ts';
import { KIT_IMAGES, kitNamespace, lessonTags, REGISTRY_IMAGE, SANDBOX_IMAGE } from '../../sandbox-server/sandboxes/kit/images.ts';
import { sandboxImages } from '../../sandbox-server/sandboxes/kit/kit.ts';

describe('the image kit', () => {
  it('serves the images the lessons use under their Docker Hub names', () => {
    expect(lessonTags()).toEqual(expect.arrayContaining(['busybox:latest', 'python:3', 'python:3-slim', 'registry:2']));
    expect(lessonTags()).not.toContain('dockhand/sandbox:latest');
  });

  it("online builds only the sandbox image and the mirror's registry: the mirror fetches lesson images from Docker Hub", () => {
    expect(KIT_IMAGES.filter(sandboxImages).map((image) => image.tags[0])).toEqual([SANDBOX_IMAGE, REGISTRY_IMAGE]);
  });

  it('splits references into repository and tag', () => {
    expect(repoTag('python:3-slim')).toEqual({ repo: 'python', tag: '3-slim' });
    expect(repoTag('127.0.0.1:5000/library/busybox')).toEqual({ repo: '127.0.0.1:5000/library/busybox', tag: 'latest' });
    expect(repoTag('127.0.0.1:5000/library/busybox:1')).toEqual({ repo: '127.0.0.1:5000/library/busybox', tag: '1' });
  });

  it('hashes a recipe by its files and its base, so a changed base rebuilds everything', async () => {
    const recipe = KIT_IMAGES[0]?.recipe as string;
    const a = await recipeHash(recipe, 'sha256:aaa');
    expect(await recipeHash(recipe, 'sha256:aaa')).toBe(a);
    expect(await recipeHash(recipe, 'sha256:bbb')).not.toBe(a);
  });

  it('hashes the versions of the npm packages a recipe copies in, so a new npm rebuilds node', async () => {
    const node = KIT_IMAGES.find((image) => image.recipe === 'node');
    expect(node?.packages).toEqual(['npm']);
    expect(await recipeHash('node', 'sha256:aaa', node?.packages)).not.toBe(await recipeHash('node', 'sha256:aaa'));
  });

  it('says what to run when a package a recipe copies in is not installed', async () => {
    await expect(recipeHash('node', 'sha256:aaa', ['no-such-package'])).rejects.toThrow(
      'the image kit copies the npm package "no-such-package" from Dockhand\'s install, which lacks it: run `npm ci`.',
    );
  });
});

describe('the kit namespace (DOCKHAND_KIT_NAMESPACE)', () => {
  it('takes a repository prefix ending in a slash', () => {
    expect(kitNamespace('dockhand/perfkit/')).toBe('dockhand/perfkit/');
  });
  it.each(['dockhand/perfkit', 'Dockhand/kit/', '/kit/', 'dockhand//kit/', ''])('refuses %j with a sentence', (value) => {
    expect(() => kitNamespace(value)).toThrow(/must be a repository prefix ending in "\/"/);
  });
});
