// The course tests itself: in a fresh sandbox every check of every exercise fails, and each exercise
// passes right after its solve script runs (the lesson's solve scripts run in order).
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { CheckContext } from '../../sandbox-server/checks/context.ts';
import { evaluateCheck, evaluateExercise } from '../../sandbox-server/checks/evaluate.ts';
import { LESSONS_DIR, loadCourse } from '../../sandbox-server/course/load.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import type { Sandbox } from '../../sandbox-server/sandboxes/sandbox.ts';
import { createSandboxService } from '../../sandbox-server/sandboxes/service.ts';
import { copyStarterFiles } from '../../sandbox-server/sessions/starter.ts';
import { testConfig } from '../support/env.ts';

const course = await loadCourse(LESSONS_DIR);
const sandboxes = createSandboxService(connectHostEngine(), sandboxOptions(testConfig(), inject('sandboxHost')));
const started: Sandbox[] = [];

afterAll(async () => {
  await Promise.all(started.map((sandbox) => sandboxes.destroy(sandbox)));
});

it('has lessons without problems', () => {
  expect(course.problems).toEqual([]);
  expect(course.lessons.length).toBeGreaterThanOrEqual(8);
});

describe.each(course.lessons.map((lesson) => [lesson.slug, lesson] as const))('lesson %s', (_slug, lesson) => {
  it('every check fails in a fresh sandbox, and each exercise passes after its solve script', async () => {
    const sandbox = await sandboxes.launch();
    started.push(sandbox);
    await copyStarterFiles(sandboxes, sandbox, lesson, path.dirname(path.join(LESSONS_DIR, 'x')));
    const ctx: CheckContext = { engine: sandboxes.inner(sandbox), run: (argv) => sandboxes.run(sandbox, argv) };
    for (const exercise of lesson.exercises) {
      for (const [index, check] of exercise.checks.entries()) {
        const result = await evaluateCheck(check, ctx);
        expect(result.passed, `${exercise.id} check ${index + 1} (${check.kind}) passes before anything was done`).toBe(false);
        expect(result.message.length, `${exercise.id} check ${index + 1} explains itself`).toBeGreaterThan(10);
      }
    }
    for (const exercise of lesson.exercises) {
      const solve = await sandboxes.run(sandbox, ['bash', '-c', `cd ~/workspace && ${exercise.solve}`]);
      expect(solve.exitCode, `solve of ${exercise.id} failed:\n${solve.stdout}\n${solve.stderr}`).toBe(0);
      const result = await evaluateExercise(exercise, ctx);
      expect(result, `${exercise.id} after its solve script`).toMatchObject({ passed: true });
    }
  });
});
