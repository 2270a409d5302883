// The course over HTTP: lessons (never their solutions), checks on demand, progress, hints and
// solutions revealed on request (and recorded).

import type { Checker } from '../checks/checker.ts';
import { type LessonImages, lessonImages } from '../course/image-plan.ts';
import type { Course } from '../course/load.ts';
import { publicLesson } from '../course/public.ts';
import { renderMarkdown, renderSolveScript } from '../course/render.ts';
import type { Exercise, Lesson } from '../course/types.ts';
import { DockhandError } from '../errors.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import { hintBody } from '../protocol/bodies.ts';
import type { LessonImagesView, LessonSummaryView } from '../protocol/lessons.ts';
import type { CheckView, SolutionView } from '../protocol/sessions.ts';
import type { ImageState } from '../sandboxes/backend.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { Store } from '../store/store.ts';
import { bearerToken, requireSession } from './auth.ts';
import { readBody } from './body.ts';
import { progressView } from './progress-view.ts';
import type { SandboxCallLimit } from './sandbox-calls.ts';

export type CourseApiDeps = {
  course: Course;
  sessions: Sessions;
  store: Store;
  checker: Checker;
  limitCalls: SandboxCallLimit;
  /** Whether sandboxes can run an image yet (PreparedBackend.imageState). */
  imageState: (image: string) => ImageState;
};

export function findLesson(course: Course, slug: string): Lesson {
  const lesson = course.lessons.find((candidate) => candidate.slug === slug);
  if (!lesson) throw new DockhandError('unknown_lesson', `there is no lesson "${slug}"`);
  return lesson;
}

function findExercise(course: Course, slug: string, id: string): { lesson: Lesson; exercise: Exercise } {
  const lesson = findLesson(course, slug);
  const exercise = lesson.exercises.find((candidate) => candidate.id === id);
  if (!exercise) throw new DockhandError('not_found', `the lesson "${slug}" has no exercise "${id}"`);
  return { lesson, exercise };
}

export function addCourseRoutes(router: Router, deps: CourseApiDeps): void {
  const { course, sessions, store, checker } = deps;

  router.add('GET', '/api/lessons', async (_req, res) => {
    const views: LessonSummaryView[] = course.lessons.map((lesson) => ({
      slug: lesson.slug,
      title: lesson.title,
      order: lesson.order,
      summary: lesson.summary,
      minutes: lesson.minutes,
      exercises: lesson.exercises.map((exercise) => ({ id: exercise.id, title: exercise.title })),
    }));
    sendJson(res, 200, views);
  });

  router.add('GET', '/api/lessons/:slug', async (_req, res, params) => {
    sendJson(res, 200, publicLesson(findLesson(course, params.slug as string)));
  });

  router.add('GET', '/api/lessons/:slug/images', async (_req, res, params) => {
    const lesson = findLesson(course, params.slug as string);
    sendJson(res, 200, lessonImagesView(lessonImages(lesson.images, deps.imageState)));
  });

  router.add('POST', '/api/sessions/:id/checks/:lesson/:exercise', async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req));
    const { lesson, exercise } = findExercise(course, params.lesson as string, params.exercise as string);
    deps.limitCalls(session.record.id);
    checker.watch(session, lesson);
    const result = await checker.check(session, lesson, exercise);
    const view: CheckView = { passed: result.passed, message: result.message };
    sendJson(res, 200, view);
  });

  router.add('GET', '/api/sessions/:id/progress', async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req), { touch: false });
    sendJson(res, 200, progressView(store.progress(session.record.id)));
  });

  router.add('POST', '/api/sessions/:id/hints/:lesson/:exercise', async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req));
    const { lesson, exercise } = findExercise(course, params.lesson as string, params.exercise as string);
    const { used } = await readBody(req, hintBody(exercise.hints.length), { limitBytes: 1024 });
    const row = store.recordHint(session.record.id, lesson.slug, exercise.id, used, Date.now());
    sendJson(res, 200, { hintsUsed: row.hintsUsed });
  });

  router.add('GET', '/api/sessions/:id/solutions/:lesson/:exercise', async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req));
    const { lesson, exercise } = findExercise(course, params.lesson as string, params.exercise as string);
    store.recordSolutionRevealed(session.record.id, lesson.slug, exercise.id, Date.now());
    const view: SolutionView = {
      solution: exercise.solution,
      solutionHtml: renderMarkdown(exercise.solution),
      solve: exercise.solve,
      solveHtml: renderSolveScript(exercise.solve),
    };
    sendJson(res, 200, view);
  });
}

/** `nginx:latest` as a learner types it: `nginx`. */
function shownImage(image: string): string {
  return image.endsWith(':latest') ? image.slice(0, -':latest'.length) : image;
}

export function lessonImagesView(images: LessonImages): LessonImagesView {
  if (images.state === 'ready') return images;
  const names = images.images.map(shownImage).join(', ');
  const these = images.images.length === 1 ? `This lesson's image (${names}) is` : `This lesson's images (${names}) are`;
  const them = images.images.length === 1 ? 'it' : 'them';
  if (images.state === 'preparing') {
    return {
      state: 'preparing',
      images: images.images,
      message: `${these} still being prepared on the server, about a minute: \`docker run\` of ${them} fails until then. Everything else works, and this notice goes away by itself.`,
    };
  }
  const reasons = images.reasons.map((reason) => reason.replace(/[.\s]+$/, '')).join('; ');
  return {
    state: 'failed',
    images: images.images,
    message: `${these.replace(/ (is|are)$/, '')} could not be prepared on the server (${reasons}), so \`docker run\` of ${them} fails. Whoever runs Dockhand can build ${them} again with \`npm run images:build\` and then restart Dockhand; learners keep their sandboxes.`,
  };
}
