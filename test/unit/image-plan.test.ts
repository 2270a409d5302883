// The order images are made in on a fresh server, and what a lesson page says meanwhile: pure logic on
// fake lessons and states; the real course and kit are checked for what "ready" waits for.
import { describe, expect, it } from 'vitest';
import { lessonImagesView } from '../../sandbox-server/api/course.ts';
import { imagePlan, lessonImages } from '../../sandbox-server/course/image-plan.ts';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { ImageState } from '../../sandbox-server/sandboxes/backend.ts';
import {
  hostTag,
  KIT_IMAGES,
  type KitImage,
  lessonTags,
  REGISTRY_IMAGE,
  SANDBOX_IMAGE,
} from '../../sandbox-server/sandboxes/kit/images.ts';
import { kitStages } from '../../sandbox-server/sandboxes/kit/kit.ts';

const lessons = [
  { images: ['hello-world:latest', 'busybox:latest'] },
  { images: ['busybox:latest', 'python:3-slim'] },
  { images: ['nginx:latest', 'python:3-slim', 'redis:latest'] },
  { images: ['debian:latest'] },
];

describe('the image plan', () => {
  it("puts the first lesson's images before ready and the others after, lesson by lesson, each once", () => {
    expect(imagePlan(lessons, [])).toEqual({
      first: ['hello-world:latest', 'busybox:latest'],
      later: ['python:3-slim', 'nginx:latest', 'redis:latest', 'debian:latest'],
    });
  });

  it('makes the images no lesson names last, since a learner may still pull them', () => {
    const plan = imagePlan(lessons, ['node:latest', 'busybox:latest', 'debian:latest']);
    expect(plan.later.at(-1)).toBe('node:latest');
    expect(plan.later.filter((image) => image === 'debian:latest')).toHaveLength(1);
  });

  it('makes everything later for a course without lessons', () => {
    expect(imagePlan([], ['busybox:latest'])).toEqual({ first: [], later: ['busybox:latest'] });
  });

  it('has the real course build, before ready, the sandbox, the registry, hello-world and busybox only, then lesson by lesson', async () => {
    const course = await loadCourse(undefined, { images: lessonTags() });
    const stages = kitStages(imagePlan(course.lessons, lessonTags()));
    const tags = (images: KitImage[]) => images.map((image) => image.tags[0]);
    expect(tags(stages.built)).toEqual([SANDBOX_IMAGE, hostTag('busybox:latest'), hostTag('hello-world:latest'), REGISTRY_IMAGE]);
    expect(tags(stages.pushed)).toEqual([hostTag('hello-world:latest'), hostTag('busybox:latest')]);
    // Lesson 2's python:3-slim first; lesson 8's registry, lesson 9's debian, lesson 11's python and
    // bookworm, lesson 12's nginx and redis; node, which no lesson names, last.
    expect(tags(stages.later)).toEqual([
      hostTag('python:3-slim'),
      hostTag('registry:2'),
      hostTag('debian:trixie'),
      hostTag('python:3'),
      hostTag('debian:bookworm'),
      hostTag('nginx:latest'),
      hostTag('redis:latest'),
      hostTag('node:latest'),
    ]);
    expect(new Set([...stages.built, ...stages.later])).toEqual(new Set(KIT_IMAGES));
  });
});

describe("a lesson's images", () => {
  const states: Record<string, ImageState> = {
    'busybox:latest': { state: 'ready' },
    'nginx:latest': { state: 'preparing' },
    'python:3-slim': { state: 'preparing' },
    'redis:latest': { state: 'failed', reason: 'building dockhand/kit/redis:latest failed: no network.' },
  };
  const stateOf = (image: string) => states[image] ?? { state: 'ready' };

  it('are ready when every one is', () => {
    expect(lessonImages(['busybox:latest'], stateOf)).toEqual({ state: 'ready' });
    expect(lessonImages([], stateOf)).toEqual({ state: 'ready' });
  });

  it('name those still being made', () => {
    expect(lessonImages(['busybox:latest', 'nginx:latest', 'python:3-slim'], stateOf)).toEqual({
      state: 'preparing',
      images: ['nginx:latest', 'python:3-slim'],
    });
  });

  it('name those that failed first, with why', () => {
    expect(lessonImages(['nginx:latest', 'redis:latest'], stateOf)).toEqual({
      state: 'failed',
      images: ['redis:latest'],
      reasons: ['building dockhand/kit/redis:latest failed: no network.'],
    });
  });

  it('are said in a sentence while they are made: which, how long, what fails meanwhile', () => {
    const view = lessonImagesView({ state: 'preparing', images: ['nginx:latest', 'python:3-slim'] });
    expect(view).toEqual({
      state: 'preparing',
      images: ['nginx:latest', 'python:3-slim'],
      message:
        "This lesson's images (nginx, python:3-slim) are still being prepared on the server, about a minute: `docker run` of them fails until then. Everything else works, and this notice goes away by itself.",
    });
    expect(lessonImagesView({ state: 'preparing', images: ['redis:latest'] })).toMatchObject({
      message: expect.stringMatching(/^This lesson's image \(redis\) is still being prepared .* `docker run` of it fails until then\./),
    });
  });

  it('are said in a sentence when they failed, with why and the fix', () => {
    const view = lessonImagesView({
      state: 'failed',
      images: ['redis:latest'],
      reasons: ['building dockhand/kit/redis:latest failed: no network.'],
    });
    expect(view).toMatchObject({
      state: 'failed',
      message:
        "This lesson's image (redis) could not be prepared on the server (building dockhand/kit/redis:latest failed: no network), so `docker run` of it fails. Whoever runs Dockhand can build it again with `npm run images:build` and then restart Dockhand; learners keep their sandboxes.",
    });
  });
});
