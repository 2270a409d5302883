// `npm run lessons:test`: every lesson in a fresh sandbox, every exercise's checks fail before its
// solution, pass after, and stay passed; prints a table and exits non-zero on any miss. Runs as its own
// Dockhand instance and removes all it made. `--course <folder>` tests another course than lessons/.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ExerciseReport, selfTestLesson } from '../sandbox-server/checks/selftest.ts';
import { loadConfig } from '../sandbox-server/config.ts';
import { loadCourse } from '../sandbox-server/course/load.ts';
import { ensureHostReady } from '../sandbox-server/preflight.ts';
import { createDindBackend } from '../sandbox-server/sandboxes/dind.ts';
import { connectHostEngine } from '../sandbox-server/sandboxes/docker.ts';
import { prepareSandboxHost, sandboxOptions } from '../sandbox-server/sandboxes/host.ts';
import { dockerHostChecks } from '../sandbox-server/sandboxes/preflight.ts';
import { removeEverything } from '../test/support/cleanup.ts';
import { courseArgsOrExit } from './course-args.ts';

/** Lessons tested at once: sandboxes are independent, and two fit the machine's two cores. */
const PARALLEL = Number(process.env.LESSONS_TEST_PARALLEL ?? 2);
const { courseDir, rest: only } = courseArgsOrExit('lessons:test');

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
    ['lesson', 'exercise', 'fail-before', 'pass-after', 'stay-passed', 'seconds'],
    ...reports.map((r) => [r.lesson, r.exercise, mark(r.failBefore), mark(r.passAfter), mark(r.stayPassed), r.seconds.toFixed(1)]),
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
  const course = await loadCourse(courseDir);
  if (course.problems.length > 0) {
    for (const problem of course.problems) console.error(`${path.join(courseDir, problem.file)}:${problem.line}: ${problem.message}`);
    return 1;
  }
  const lessons = course.lessons.filter((lesson) => only.length === 0 || only.includes(lesson.slug));
  await removeEverything(engine, config);
  await ensureHostReady(dockerHostChecks(engine, config.stateDir), { fix: config.fixHost }, (line) => console.log(`preflight: ${line}`));
  const host = await prepareSandboxHost(engine, config, () => {});
  const sandboxes = createDindBackend(engine, sandboxOptions(config, host));
  const started = performance.now();
  const results: ExerciseReport[][] = new Array(lessons.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, lessons.length) }, async () => {
      while (next < lessons.length) {
        const index = next++;
        const lesson = lessons[index];
        if (!lesson) continue;
        results[index] = await selfTestLesson(sandboxes, lesson, courseDir);
        console.log(`lessons:test: ${lesson.slug} done`);
      }
    }),
  );
  const reports = results.flat();
  console.log(`\n${table(reports)}\n`);
  const misses = reports.filter((r) => r.problem !== null);
  for (const miss of misses) console.log(`MISS ${miss.lesson}/${miss.exercise}: ${miss.problem}`);
  const passed = reports.length - misses.length;
  console.log(`${lessons.length} lessons in ${((performance.now() - started) / 1000).toFixed(0)} s`);
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
