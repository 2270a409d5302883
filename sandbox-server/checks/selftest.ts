// The course tests itself: in a fresh sandbox every check of every exercise must fail, each exercise
// must pass right after its solve script runs (the lesson's scripts run in order), and stay passed
// through the rest of the lesson.
import type { Lesson } from '../course/types.ts';
import { runAsLearner, type SandboxBackend } from '../sandboxes/backend.ts';
import { copyStarterFiles } from '../sessions/starter.ts';
import { checkContext } from './context.ts';
import { evaluateCheck, evaluateExercise } from './evaluate.ts';

export type ExerciseReport = {
  lesson: string;
  exercise: string;
  /** Every check failed before anything was done. */
  failBefore: boolean;
  /** The exercise passed right after its solve script. */
  passAfter: boolean;
  /** It still passed once the whole lesson had been solved. */
  stayPassed: boolean;
  seconds: number;
  /** What went wrong, when something did. */
  problem: string | null;
};

export async function selfTestLesson(sandboxes: SandboxBackend, lesson: Lesson, lessonsDir: string): Promise<ExerciseReport[]> {
  const sandbox = await sandboxes.start();
  try {
    await copyStarterFiles(sandboxes, sandbox, lesson, lessonsDir);
    const ctx = checkContext(sandboxes, sandbox);
    const reports: ExerciseReport[] = [];
    for (const exercise of lesson.exercises) {
      const problems: string[] = [];
      for (const [index, check] of exercise.checks.entries()) {
        const result = await evaluateCheck(check, ctx);
        if (result.passed) problems.push(`check ${index + 1} (${check.kind}) passes before anything was done`);
      }
      reports.push({
        lesson: lesson.slug,
        exercise: exercise.id,
        failBefore: problems.length === 0,
        passAfter: false,
        stayPassed: false,
        seconds: 0,
        problem: problems[0] ?? null,
      });
    }
    for (const [index, exercise] of lesson.exercises.entries()) {
      const report = reports[index] as ExerciseReport;
      const started = performance.now();
      const solve = await runAsLearner(sandboxes, sandbox, ['bash', '-c', `cd ~/workspace && ${exercise.solve}`]);
      const result =
        solve.exitCode === 0
          ? await evaluateExercise(exercise, ctx)
          : { passed: false, message: `the solve script exited ${solve.exitCode}: ${solve.stderr.trim().slice(-300)}` };
      report.seconds = (performance.now() - started) / 1000;
      report.passAfter = result.passed;
      if (!result.passed) report.problem ??= `after its solve script: ${result.message}`;
    }
    for (const [index, exercise] of lesson.exercises.entries()) {
      const report = reports[index] as ExerciseReport;
      const result = await evaluateExercise(exercise, ctx);
      report.stayPassed = result.passed;
      if (!result.passed) report.problem ??= `at the end of the lesson: ${result.message}`;
    }
    return reports;
  } finally {
    await sandboxes.destroy(sandbox);
  }
}
