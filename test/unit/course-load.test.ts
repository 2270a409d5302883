import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import { checkReport } from '../../sandbox-server/course/report.ts';
import { lessonTags } from '../../sandbox-server/sandboxes/kit/images.ts';
import { FIXTURES, lineContaining } from '../fixtures/lessons/fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** What lessons:check prints for a folder, and its exit status. */
async function lessonsCheck(dir: string): Promise<{ status: number; lines: string[] }> {
  const report = checkReport(await loadCourse(dir, { images: lessonTags() }), dir, ROOT);
  return { status: report.ok ? 0 : 1, lines: report.lines };
}

describe('loadCourse', () => {
  let emptyDir = '';
  beforeAll(async () => {
    emptyDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-lessons-'));
  });
  afterAll(async () => {
    await rm(emptyDir, { recursive: true, force: true });
  });

  it('reads every lesson in order, checking images against the kit and starter files on disk', async () => {
    const course = await loadCourse(path.join(FIXTURES, 'valid'), { images: lessonTags() });
    expect(course.problems).toEqual([]);
    expect(course.lessons.map((lesson) => [lesson.order, lesson.file])).toEqual([
      [1, '01-hello-world.md'],
      [2, '002-ports.md'],
    ]);
  });

  it('refuses a lesson naming an image its backend does not offer, and judges no image without a list', async () => {
    const offering = await loadCourse(path.join(FIXTURES, 'valid'), { images: ['python:3'] });
    expect(offering.problems.map((problem) => problem.message)).toContainEqual(
      expect.stringMatching(/names "busybox.*not in the image kit/),
    );
    expect((await loadCourse(path.join(FIXTURES, 'valid'))).problems).toEqual([]);
  });

  it('reports a slug or an order used twice, and serves each of them once', async () => {
    const dir = 'duplicates';
    const course = await loadCourse(path.join(FIXTURES, dir));
    expect(course.problems).toEqual([
      {
        file: '01-intro.md',
        line: lineContaining(`${dir}/01-intro.md`, 'order: 1'),
        message: 'order 1 is already used by 001-basics.md: choose another one',
      },
      {
        file: '02-intro.md',
        line: lineContaining(`${dir}/02-intro.md`, 'slug: intro'),
        message: 'slug "intro" is already used by 01-intro.md: choose another one',
      },
    ]);
    expect(course.lessons.map((lesson) => lesson.slug)).toEqual(['basics']);
  });

  it('collects the problems of every file, sorted by file and line, and returns only valid lessons', async () => {
    const course = await loadCourse(path.join(FIXTURES, 'broken'));
    expect(new Set(course.problems.map((problem) => problem.file))).toEqual(
      new Set(['01-front-matter.md', '02-mismatch.md', '04-no-front-matter.md', '05-exercises.md', '06-bad-yaml.md', 'notes.md']),
    );
    const order = course.problems.map((problem) => `${problem.file}:${String(problem.line).padStart(4, '0')}`);
    expect(order).toEqual([...order].sort());
    expect(course.lessons).toEqual([]);
  });

  it('accepts an empty lessons directory and refuses a missing one with a clear message', async () => {
    expect(await loadCourse(emptyDir)).toEqual({ lessons: [], problems: [], diagrams: new Map() });
    await expect(loadCourse(path.join(emptyDir, 'missing'))).rejects.toThrow(/there is no lessons directory at .*missing: create it/);
  });

  it('lessons:check prints file:line: message for each problem and fails, or a summary and passes', async () => {
    const valid = await lessonsCheck(path.join(FIXTURES, 'valid'));
    expect(valid).toEqual({ status: 0, lines: ['2 lessons, 3 exercises, no problems'] });

    const empty = await lessonsCheck(emptyDir);
    expect(empty).toEqual({ status: 0, lines: ['0 lessons, 0 exercises, no problems'] });

    const broken = await lessonsCheck(path.join(FIXTURES, 'broken'));
    expect(broken.status).toBe(1);
    const file = 'broken/05-exercises.md';
    expect(broken.lines).toContain(
      `test/fixtures/lessons/${file}:${lineContaining(file, '```sh exec terminal=abc')}: code block attribute "terminal=abc" needs a terminal number of at least 1, such as terminal=2`,
    );
    expect(broken.lines.slice(0, -1).every((line) => /^test\/fixtures\/lessons\/broken\/[^:]+\.md:\d+: \S/.test(line))).toBe(true);
    expect(broken.lines.at(-1)).toBe(
      `${broken.lines.length - 1} problems in 6 files (valid: 0 lessons, 0 exercises); fix them and run this again`,
    );
  });
});
