// The course tests itself. Per lesson, in a fresh sandbox: every check of every exercise fails at first;
// clicking the page's Run blocks up to an exercise does not solve it; nor does any of its wrong answers
// (each leaves a helpful message); its solve script does, typed from the folder the Run blocks left the
// learner in; and it stays passed through the rest of the lesson. The walk: every lesson in order in ONE
// sandbox, wrong answers and solutions typed from the home folder, as a learner who keeps their sandbox.
import type { CodeBlock, Exercise, Lesson } from '../course/types.ts';
import { runAsLearner, type Sandbox, type SandboxBackend } from '../sandboxes/backend.ts';
import { copyStarterFiles } from '../sessions/starter.ts';
import { type CheckContext, withCheckContext } from './context.ts';
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
  /** It still failed after every Run block before it had run (and the solutions of the exercises before it); null in the walk. */
  blocksAloneFail: boolean | null;
  /** It had wrong answers, and after each of them it still failed with a helpful message. */
  wrongFail: boolean;
  seconds: number;
  /** What went wrong, when something did. */
  problem: string | null;
};

function emptyReport(lesson: Lesson, exercise: Exercise, blocksAloneFail: boolean | null): ExerciseReport {
  return {
    lesson: lesson.slug,
    exercise: exercise.id,
    failBefore: false,
    passAfter: false,
    stayPassed: false,
    blocksAloneFail,
    wrongFail: false,
    seconds: 0,
    problem: null,
  };
}

/** The first check that already passes, as a sentence, or null when every check fails. */
async function passingCheck(exercise: Exercise, ctx: CheckContext): Promise<string | null> {
  for (const [index, check] of exercise.checks.entries()) {
    const result = await evaluateCheck(check, ctx);
    if (result.passed) return `check ${index + 1} (${check.kind}) passes before the exercise was done`;
  }
  return null;
}

/** The script as the learner types it, standing in `folder` (a shell expression such as `~`). */
function typedFrom(folder: string, script: string): string[] {
  return ['bash', '-c', `cd ${folder} && ${script}`];
}

/** Seconds a wrong answer may take: it is run without a keyboard, so whatever waits for one ends here. */
const WRONG_TIMEOUT_SECONDS = 120;

/**
 * Why a failing exercise's message would not help the learner, or null when it would: it must be a
 * sentence about their work, not the checker's own trouble or raw data.
 */
export function unhelpfulMessage(message: string): string | null {
  const text = message.trim();
  if (text === '') return 'it says nothing';
  if (text.startsWith('The check could not look at your sandbox')) return `the check itself broke (${text})`;
  if (text.startsWith('Not done yet (the check script exited'))
    return 'a script check failed without a FAIL: line or a message to say what is missing';
  if (/^[[{]/.test(text) || /\n\s+at /.test(text)) return `it is raw data, not a sentence (${text.slice(0, 80)})`;
  return null;
}

/** One exercise tried in a sandbox, typed from `folder` as the learner, its findings going to `report`. */
type Attempt = {
  backend: SandboxBackend;
  sandbox: Sandbox;
  ctx: CheckContext;
  exercise: Exercise;
  folder: string;
  report: ExerciseReport;
};

/** Every wrong answer, one after another as a learner tries them, must leave the exercise failing with a helpful message. */
async function tryWrongAnswers({ backend, sandbox, ctx, exercise, folder, report }: Attempt): Promise<void> {
  if (exercise.wrong.length === 0) {
    report.problem ??= 'it has no wrong answer: add a `wrong:` script a learner might plausibly try';
    return;
  }
  for (const [index, wrong] of exercise.wrong.entries()) {
    const argv = ['timeout', '-k', '5', String(WRONG_TIMEOUT_SECONDS), ...typedFrom(folder, wrong)];
    await runAsLearner(backend, sandbox, argv);
    const result = await evaluateExercise(exercise, ctx);
    const name = `wrong answer ${index + 1} (${wrong.trim().split('\n')[0]?.slice(0, 60)})`;
    const unhelpful = result.passed ? 'it passes the exercise' : unhelpfulMessage(result.message);
    if (unhelpful !== null) {
      report.problem ??= `${name}: ${unhelpful}`;
      return;
    }
  }
  report.wrongFail = true;
}

/** Runs the exercise's solve script from `folder` and records whether the exercise then passes. */
async function solveAndCheck({ backend, sandbox, ctx, exercise, folder, report }: Attempt): Promise<void> {
  const started = performance.now();
  const solve = await runAsLearner(backend, sandbox, typedFrom(folder, exercise.solve));
  const result =
    solve.exitCode === 0
      ? await evaluateExercise(exercise, ctx)
      : { passed: false, message: `the solve script exited ${solve.exitCode}: ${solve.stderr.trim().slice(-300)}` };
  report.seconds = (performance.now() - started) / 1000;
  report.passAfter = result.passed;
  if (!result.passed) report.problem ??= `after its solve script (typed in ${folder}): ${result.message}`;
}

/** Every exercise of the lesson still passes (after the whole lesson was solved). */
async function checkStayPassed(lesson: Lesson, ctx: CheckContext, reports: ExerciseReport[]): Promise<void> {
  for (const [index, exercise] of lesson.exercises.entries()) {
    const report = reports[index] as ExerciseReport;
    const result = await evaluateExercise(exercise, ctx);
    report.stayPassed = result.passed;
    if (!result.passed) report.problem ??= `at the end of the lesson: ${result.message}`;
  }
}

/** Runs `work` in a sandbox started for it, with a check context; both end afterwards, whatever happens. */
async function inFreshSandbox(backend: SandboxBackend, work: (sandbox: Sandbox, ctx: CheckContext) => Promise<void>): Promise<void> {
  const sandbox = await backend.start();
  try {
    await withCheckContext(backend, sandbox, (ctx) => work(sandbox, ctx));
  } finally {
    await backend.destroy(sandbox);
  }
}

/**
 * One lesson in a fresh sandbox, the way a learner reads it: every exercise fails at first; then, in page
 * order, the Run blocks before each exercise are clicked and it must still fail (clicking Run is no
 * solution), its solution makes it pass, and at the end every exercise still passes.
 */
export async function selfTestLesson(backend: SandboxBackend, lesson: Lesson, lessonsDir: string): Promise<ExerciseReport[]> {
  const reports = lesson.exercises.map((exercise) => emptyReport(lesson, exercise, false));
  await inFreshSandbox(backend, async (sandbox, ctx) => {
    await copyStarterFiles(backend, sandbox, lesson, lessonsDir);
    for (const [index, exercise] of lesson.exercises.entries()) {
      const report = reports[index] as ExerciseReport;
      report.problem = await passingCheck(exercise, ctx);
      report.failBefore = report.problem === null;
    }
    const blocks = lesson.codeBlocks.filter((block) => block.exec);
    let next = 0;
    for (const [index, exercise] of lesson.exercises.entries()) {
      const report = reports[index] as ExerciseReport;
      for (; next < blocks.length && (blocks[next] as CodeBlock).line < exercise.line; next++) {
        await runBlock(backend, sandbox, blocks[next] as CodeBlock);
      }
      const result = await evaluateExercise(exercise, ctx);
      report.blocksAloneFail = !result.passed;
      if (result.passed) report.problem ??= 'the Run blocks before it solve it: the exercise should ask for more than they do';
      const folder = await learnersFolder(backend, sandbox);
      const attempt = { backend, sandbox, ctx, exercise, folder, report };
      await tryWrongAnswers(attempt);
      await solveAndCheck(attempt);
    }
    await checkStayPassed(lesson, ctx, reports);
  });
  return reports;
}

/**
 * The whole course in one sandbox, lesson after lesson: each exercise must still fail when the learner
 * reaches it (after everything earlier was done: as a whole, since a check may rest on an earlier
 * exercise), its wrong answers must not pass it, its solution must, and it must stay passed to the end of
 * its lesson. Wrong answers and solutions are typed in the home folder, where a new terminal starts.
 */
export async function walkCourse(
  backend: SandboxBackend,
  lessons: Lesson[],
  lessonsDir: string,
  onLesson: (lesson: Lesson) => void = () => {},
): Promise<ExerciseReport[]> {
  const all: ExerciseReport[] = [];
  await inFreshSandbox(backend, async (sandbox, ctx) => {
    for (const lesson of lessons) {
      await copyStarterFiles(backend, sandbox, lesson, lessonsDir);
      const reports = lesson.exercises.map((exercise) => emptyReport(lesson, exercise, null));
      for (const [index, exercise] of lesson.exercises.entries()) {
        const report = reports[index] as ExerciseReport;
        // Exercises build on earlier ones, so some of their checks may hold already; the exercise may not.
        const before = await evaluateExercise(exercise, ctx);
        report.failBefore = !before.passed;
        if (before.passed) report.problem = 'it passes before its solution ran, after everything earlier in the course';
        const attempt = { backend, sandbox, ctx, exercise, folder: '~', report };
        await tryWrongAnswers(attempt);
        await solveAndCheck(attempt);
      }
      await checkStayPassed(lesson, ctx, reports);
      all.push(...reports);
      onLesson(lesson);
    }
  });
  return all;
}

/** Seconds a Run block may take: long enough for a pull or a build, and the end of `logs -f` or `attach`. */
const BLOCK_TIMEOUT_SECONDS = 30;

/** Where the learner's first terminal stands after the Run blocks so far (as a path the shell can `cd` to). */
async function learnersFolder(backend: SandboxBackend, sandbox: Sandbox): Promise<string> {
  const { stdout } = await runAsLearner(backend, sandbox, ['bash', '-c', `cd ~/workspace && cat ${cwdFile(1)} 2>/dev/null || pwd`]);
  const folder = stdout.trim();
  return folder.startsWith('/') && !/[\s'"\\$`]/.test(folder) ? folder : '~/workspace';
}

function cwdFile(terminal: number): string {
  return `/tmp/dockhand-selftest-cwd-${terminal}`;
}

/**
 * Types one block as the learner would, with no keyboard: stdin is closed, so `-it` refuses at once and
 * whatever waits (`logs -f`, `attach`, a server in the foreground) is stopped by the timeout. Each
 * terminal keeps its working folder from one block to the next, as the learner's shell does.
 */
async function runBlock(backend: SandboxBackend, sandbox: Sandbox, block: CodeBlock): Promise<void> {
  const cwd = cwdFile(block.terminal);
  const script = [
    `cd ~/workspace && { [ ! -s ${cwd} ] || cd "$(cat ${cwd})" 2>/dev/null || true; }`,
    `trap 'pwd > ${cwd}' EXIT`,
    "trap 'exit 143' TERM",
    block.code,
  ].join('\n');
  await runAsLearner(backend, sandbox, ['timeout', '-k', '5', String(BLOCK_TIMEOUT_SECONDS), 'bash', '-c', script]);
}
