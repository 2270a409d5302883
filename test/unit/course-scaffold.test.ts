import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import { checkReport } from '../../sandbox-server/course/report.ts';
import { scaffoldLesson } from '../../sandbox-server/course/scaffold.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-scaffold-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(slug: string): Promise<string> {
  const scaffold = scaffoldLesson(slug, await readdir(dir));
  await writeFile(path.join(dir, scaffold.file), scaffold.text);
  return scaffold.file;
}

describe('scaffoldLesson', () => {
  it('writes a lesson with one exercise that lessons:check accepts as it is', async () => {
    expect(await write('my-first-lesson')).toBe('01-my-first-lesson.md');
    const course = await loadCourse(dir);
    expect(checkReport(course, dir, dir)).toEqual({ ok: true, lines: ['1 lesson, 1 exercise, no problems'] });
    const [lesson] = course.lessons;
    expect(lesson).toMatchObject({ slug: 'my-first-lesson', title: 'My first lesson', order: 1, images: ['busybox:latest'] });
    expect(lesson?.exercises.map((exercise) => exercise.id)).toEqual(['first-exercise']);
    expect(lesson?.exercises[0]?.hints).toHaveLength(3);
  });

  it('gives a solve script that fails, so the self-test fails until the author writes it', async () => {
    await write('unwritten');
    const solve = (await loadCourse(dir)).lessons[0]?.exercises[0]?.solve ?? '';
    expect(solve).toMatch(/not written yet/);
    expect(solve.trim().split('\n').at(-1)).toBe('exit 1');
  });

  it('comes after every lesson there, padded like them, even after lessons with problems', async () => {
    expect(scaffoldLesson('next', ['01-a.md', '007-b.md', 'README.md', 'starter']).file).toBe('008-next.md');
    expect(scaffoldLesson('next', ['3-c.md']).file).toBe('04-next.md');
    await writeFile(path.join(dir, '05-broken.md'), 'no front matter');
    expect(await write('after-broken')).toBe('06-after-broken.md');
  });

  it.each([['Bad_Slug'], ['-dash'], [''], ['a'.repeat(65)], ['../escape']])('refuses the slug %j with a sentence', (slug) => {
    expect(() => scaffoldLesson(slug, [])).toThrow(/must be lowercase letters, digits and dashes, such as my-first-lesson/);
  });

  it('refuses a slug the course already has', () => {
    expect(() => scaffoldLesson('ports', ['01-hello.md', '02-ports.md'])).toThrow(
      'the course already has a lesson "ports" (02-ports.md): choose another slug',
    );
  });
});
