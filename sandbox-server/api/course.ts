// The course over HTTP: lessons (never their solutions), checks on demand, progress, hints and
// solutions revealed on request (and recorded).
import type { Checker } from '../checks/checker.ts';
import type { Course } from '../course/load.ts';
import { publicLesson } from '../course/public.ts';
import { renderMarkdown } from '../course/render.ts';
import type { Exercise, Lesson } from '../course/types.ts';
import { readJsonBody } from '../http/body.ts';
import { HttpError } from '../http/errors.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { Store } from '../store/store.ts';
import { bearerToken, requireSession } from './auth.ts';

export type CourseApiDeps = { course: Course; sessions: Sessions; store: Store; checker: Checker };

export function findLesson(course: Course, slug: string): Lesson {
  const lesson = course.lessons.find((candidate) => candidate.slug === slug);
  if (!lesson) throw new HttpError(404, `there is no lesson "${slug}"`);
  return lesson;
}

function findExercise(course: Course, slug: string, id: string): { lesson: Lesson; exercise: Exercise } {
  const lesson = findLesson(course, slug);
  const exercise = lesson.exercises.find((candidate) => candidate.id === id);
  if (!exercise) throw new HttpError(404, `the lesson "${slug}" has no exercise "${id}"`);
  return { lesson, exercise };
}

export function addCourseRoutes(router: Router, deps: CourseApiDeps): void {
  const { course, sessions, store, checker } = deps;

  router.add('GET', '/api/lessons', async (_req, res) => {
    sendJson(
      res,
      200,
      course.lessons.map((lesson) => ({
        slug: lesson.slug,
        title: lesson.title,
        order: lesson.order,
        summary: lesson.summary,
        minutes: lesson.minutes,
        exercises: lesson.exercises.map((exercise) => ({ id: exercise.id, title: exercise.title })),
      })),
    );
  });

  router.add('GET', '/api/lessons/:slug', async (_req, res, params) => {
    sendJson(res, 200, publicLesson(findLesson(course, params.slug as string)));
  });

  router.add('POST', '/api/sessions/:id/checks/:lesson/:exercise', async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req));
    const { lesson, exercise } = findExercise(course, params.lesson as string, params.exercise as string);
    checker.watch(session, lesson);
    const result = await checker.check(session, lesson, exercise);
    sendJson(res, 200, { passed: result.passed, message: result.message });
  });

  router.add('GET', '/api/sessions/:id/progress', async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req), { touch: false });
    const exercises: Record<string, { passed: boolean; at?: string; hintsUsed: number; solutionRevealed: boolean; message?: string }> = {};
    for (const row of store.progress(session.record.id)) {
      exercises[`${row.lesson}/${row.exercise}`] = {
        passed: row.passedAt !== null,
        ...(row.passedAt !== null ? { at: new Date(row.passedAt).toISOString() } : {}),
        hintsUsed: row.hintsUsed,
        solutionRevealed: row.solutionRevealedAt !== null,
        ...(row.lastMessage ? { message: row.lastMessage } : {}),
      };
    }
    sendJson(res, 200, { exercises });
  });

  router.add('POST', '/api/sessions/:id/hints/:lesson/:exercise', async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req));
    const { lesson, exercise } = findExercise(course, params.lesson as string, params.exercise as string);
    const body = await readJsonBody(req, 1024);
    if (!body.ok) throw new HttpError(body.status, body.error);
    const used = (body.value as { used?: unknown } | null)?.used;
    if (!Number.isInteger(used) || (used as number) < 1 || (used as number) > exercise.hints.length) {
      throw new HttpError(400, `used must be a whole number from 1 to ${exercise.hints.length} (the hints this exercise has)`);
    }
    const row = store.recordHint(session.record.id, lesson.slug, exercise.id, used as number, Date.now());
    sendJson(res, 200, { hintsUsed: row.hintsUsed });
  });

  router.add('GET', '/api/sessions/:id/solutions/:lesson/:exercise', async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req));
    const { lesson, exercise } = findExercise(course, params.lesson as string, params.exercise as string);
    store.recordSolutionRevealed(session.record.id, lesson.slug, exercise.id, Date.now());
    sendJson(res, 200, { solution: exercise.solution, solutionHtml: renderMarkdown(exercise.solution), solve: exercise.solve });
  });
}
