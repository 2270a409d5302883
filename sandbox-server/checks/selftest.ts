// The course tests itself: in a fresh sandbox every check of every exercise must fail, each exercise
// must pass right after its solve script runs (the lesson's scripts run in order), and stay passed
// through the rest of the lesson. And clicking Run is no solution: in another fresh sandbox, with only the
// page's Run blocks run in page order, no exercise passes when the page reaches it.
import type { CodeBlock, Lesson } from '../course/types.ts';
import type { Sandbox } from '../sandboxes/sandbox.ts';
import type { SandboxService } from '../sandboxes/service.ts';
import { copyStarterFiles } from '../sessions/starter.ts';
import type { CheckContext } from './context.ts';
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
  /** It still failed after every Run block before it (and no solution) had run. */
  blocksAloneFail: boolean;
  seconds: number;
  /** What went wrong, when something did. */
  problem: string | null;
};

export async function selfTestLesson(sandboxes: SandboxService, lesson: Lesson, lessonsDir: string): Promise<ExerciseReport[]> {
  const sandbox = await sandboxes.launch();
  const reports: ExerciseReport[] = [];
  try {
    await copyStarterFiles(sandboxes, sandbox, lesson, lessonsDir);
    const ctx: CheckContext = { engine: sandboxes.inner(sandbox), run: (argv) => sandboxes.run(sandbox, argv) };
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
        blocksAloneFail: false,
        seconds: 0,
        problem: problems[0] ?? null,
      });
    }
    for (const [index, exercise] of lesson.exercises.entries()) {
      const report = reports[index] as ExerciseReport;
      const started = performance.now();
      const solve = await sandboxes.run(sandbox, ['bash', '-c', `cd ~/workspace && ${exercise.solve}`]);
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
  } finally {
    await sandboxes.destroy(sandbox);
  }
  await runBlocksAlone(sandboxes, lesson, lessonsDir, reports);
  return reports;
}

/** Seconds a Run block may take: long enough for a pull or a build, and the end of `logs -f` or `attach`. */
const BLOCK_TIMEOUT_SECONDS = 45;

/** A fresh sandbox where only the Run blocks happen, in page order; each exercise is checked as the page reaches it. */
async function runBlocksAlone(sandboxes: SandboxService, lesson: Lesson, lessonsDir: string, reports: ExerciseReport[]): Promise<void> {
  const sandbox = await sandboxes.launch();
  try {
    await copyStarterFiles(sandboxes, sandbox, lesson, lessonsDir);
    const ctx: CheckContext = { engine: sandboxes.inner(sandbox), run: (argv) => sandboxes.run(sandbox, argv) };
    const blocks = lesson.codeBlocks.filter((block) => block.exec);
    let next = 0;
    for (const [index, exercise] of lesson.exercises.entries()) {
      const report = reports[index] as ExerciseReport;
      for (; next < blocks.length && (blocks[next] as CodeBlock).line < exercise.line; next++) {
        await runBlock(sandboxes, sandbox, blocks[next] as CodeBlock);
      }
      const result = await evaluateExercise(exercise, ctx);
      report.blocksAloneFail = !result.passed;
      if (result.passed) report.problem ??= 'the Run blocks before it solve it: the exercise should ask for more than they do';
    }
  } finally {
    await sandboxes.destroy(sandbox);
  }
}

/**
 * Types one block as the learner would, with no keyboard: stdin is closed, so `-it` refuses at once and
 * whatever waits (`logs -f`, `attach`, a server in the foreground) is stopped by the timeout. Each
 * terminal keeps its working folder from one block to the next, as the learner's shell does.
 */
async function runBlock(sandboxes: SandboxService, sandbox: Sandbox, block: CodeBlock): Promise<void> {
  const cwd = `/tmp/dockhand-selftest-cwd-${block.terminal}`;
  const script = [
    `cd ~/workspace && { [ ! -s ${cwd} ] || cd "$(cat ${cwd})" 2>/dev/null || true; }`,
    `trap 'pwd > ${cwd}' EXIT`,
    "trap 'exit 143' TERM",
    block.code,
  ].join('\n');
  await sandboxes.run(sandbox, ['timeout', '-k', '5', String(BLOCK_TIMEOUT_SECONDS), 'bash', '-c', script]);
}
