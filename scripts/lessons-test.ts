// `npm run lessons:test`: every lesson in a fresh sandbox, every exercise's checks fail before its
// solution, pass after, and stay passed, and neither the page's Run blocks nor any of its wrong answers
// solve it; `--walk` instead
// walks the whole course in one sandbox; `--per-lesson --walk` does both at once (the `npm test` gate).
// Lesson slugs narrow the run; `--course <folder>` tests another course than lessons/. Prints a table and
// exits non-zero on any miss. Runs as its own Dockhand instance and removes all it made.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ExerciseReport, selfTestLesson, walkCourse } from '../sandbox-server/checks/selftest.ts';
import { loadConfig } from '../sandbox-server/config.ts';
import { loadCourse } from '../sandbox-server/course/load.ts';
import { reapSandboxes, removeEverything } from '../sandbox-server/sandboxes/cleanup.ts';
import { createDindBackend } from '../sandbox-server/sandboxes/dind.ts';
import { connectHostEngine } from '../sandbox-server/sandboxes/docker.ts';
import { readySandboxHost, sandboxOptions } from '../sandbox-server/sandboxes/host.ts';
import { lessonTags } from '../sandbox-server/sandboxes/kit/images.ts';
import { courseArgsOrExit } from './course-args.ts';

/** Lessons tested at once: sandboxes are independent, and two fit the machine's two cores. */
const PARALLEL = Number(process.env.LESSONS_TEST_PARALLEL ?? 2);
const USAGE = `usage: lessons:test [--course <folder>] [--per-lesson] [--walk] [lesson-slug ...]
  (no flag)     every lesson (or those named) in a fresh sandbox of its own
  --walk        every lesson in order in one sandbox, solutions only, as a learner who keeps their sandbox
  --per-lesson  with --walk: both (the npm test gate)
  env: DOCKHAND_LESSONS_INSTANCE and DOCKHAND_LESSONS_SUBNET let two runs share one engine;
       LESSONS_TEST_PARALLEL sets how many run at once (default 2)`;
const { courseDir, rest } = courseArgsOrExit('lessons:test');
if (rest.includes('--help') || rest.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const only = rest.filter((arg) => !arg.startsWith('--'));
const walk = rest.includes('--walk');
const perLesson = rest.includes('--per-lesson') || !walk;

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-lessons-test-'));
// DOCKHAND_LESSONS_INSTANCE / DOCKHAND_LESSONS_SUBNET let two course runs share one engine.
const instance = process.env.DOCKHAND_LESSONS_INSTANCE ?? 'lessons';
const config = loadConfig({
  DOCKHAND_INSTANCE: instance,
  DOCKHAND_SUBNET: process.env.DOCKHAND_LESSONS_SUBNET ?? '172.31.216.0/24',
  DOCKHAND_BRIDGE: `dh-${instance}`.slice(0, 15),
  DOCKHAND_STATE_DIR: stateDir,
});
const engine = connectHostEngine();

function table(reports: ExerciseReport[]): string {
  const mark = (ok: boolean) => (ok ? 'yes' : 'NO');
  const rows = [
    ['lesson', 'exercise', 'fail-before', 'wrong-fails', 'pass-after', 'stay-passed', 'run-blocks-alone-fail', 'seconds'],
    ...reports.map((r) => [
      r.lesson,
      r.exercise,
      mark(r.failBefore),
      mark(r.wrongFail),
      mark(r.passAfter),
      mark(r.stayPassed),
      r.blocksAloneFail === null ? '-' : mark(r.blocksAloneFail),
      r.seconds.toFixed(1),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function main(): Promise<number> {
  const course = await loadCourse(courseDir, { images: lessonTags() });
  if (course.problems.length > 0) {
    for (const problem of course.problems) console.error(`${path.join(courseDir, problem.file)}:${problem.line}: ${problem.message}`);
    return 1;
  }
  const lessons = course.lessons.filter((lesson) => only.length === 0 || only.includes(lesson.slug));
  // Sandboxes a killed run left; its mirror is kept, since filling one again takes minutes on a busy host.
  await reapSandboxes(engine, config);
  const host = await readySandboxHost(engine, config, (line) => line.startsWith('preflight:') && console.log(line));
  const sandboxes = createDindBackend(engine, sandboxOptions(config, host));
  const started = performance.now();
  // One queue of jobs for two workers; the walk is the longest, so it goes first.
  type Job = { name: string; run: () => Promise<ExerciseReport[]>; seconds: number; reports: ExerciseReport[] };
  const jobs: Job[] = [];
  const timed = (name: string, run: () => Promise<ExerciseReport[]>) => jobs.push({ name, run, seconds: 0, reports: [] });
  if (walk)
    timed('walk', () => walkCourse(sandboxes, lessons, courseDir, (lesson) => console.log(`lessons:test: walk passed ${lesson.slug}`)));
  if (perLesson) for (const lesson of lessons) timed(lesson.slug, () => selfTestLesson(sandboxes, lesson, courseDir));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, jobs.length) }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++] as Job;
        const jobStarted = performance.now();
        job.reports = await job.run();
        job.seconds = (performance.now() - jobStarted) / 1000;
        console.log(`lessons:test: ${job.name} done in ${job.seconds.toFixed(0)} s`);
      }
    }),
  );
  for (const job of jobs) {
    console.log(`\n${job.name === 'walk' ? 'walk (every lesson in one sandbox)' : job.name} (${job.seconds.toFixed(0)} s)`);
    console.log(table(job.reports));
  }
  const reports = jobs.flatMap((job) => job.reports.map((report) => ({ job: job.name, report })));
  const misses = reports.filter(({ report }) => report.problem !== null);
  console.log('');
  for (const { job, report } of misses) {
    console.log(`MISS ${job === 'walk' ? 'walk: ' : ''}${report.lesson}/${report.exercise}: ${report.problem}`);
  }
  const passed = reports.length - misses.length;
  console.log(`${lessons.length} lessons, ${jobs.length} runs in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${misses.length} failed`);
  return misses.length === 0 ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`lessons:test: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await removeEverything(engine, config);
  rmSync(stateDir, { recursive: true, force: true });
}
process.exit(code);
