import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../sandbox-server/config.ts';
import { courseDirIn, LESSONS_DIR } from '../../sandbox-server/course/load.ts';
import { siteInputsHash } from '../../sandbox-server/site-build.ts';
import { courseArgs } from '../../scripts/course-args.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const FIXTURE_COURSE = path.join(ROOT, 'test', 'fixtures', 'course');

describe('DOCKHAND_COURSE', () => {
  it('is lessons/ of the checkout unless set, and relative to the checkout when set', () => {
    expect(loadConfig({}).courseDir).toBe(LESSONS_DIR);
    expect(loadConfig({ DOCKHAND_COURSE: 'test/fixtures/course' }).courseDir).toBe(FIXTURE_COURSE);
    expect(loadConfig({ DOCKHAND_COURSE: FIXTURE_COURSE }).courseDir).toBe(FIXTURE_COURSE);
    expect(courseDirIn('/srv/dockhand', { DOCKHAND_COURSE: '  ' })).toBe('/srv/dockhand/lessons');
  });

  it.each([['test/fixtures/nothing-here'], ['package.json']])(
    'refuses %s, which is not a folder, with a sentence naming the variable',
    (dir) => {
      expect(() => loadConfig({ DOCKHAND_COURSE: dir })).toThrow(`DOCKHAND_COURSE must name a folder of lessons (got "${dir}"`);
    },
  );
});

describe('--course', () => {
  it('names the course and leaves the other arguments to the script', () => {
    expect(courseArgs(['--course', 'my-course', 'intro', '--walk'], {})).toEqual({
      courseDir: path.resolve('my-course'),
      rest: ['intro', '--walk'],
    });
    expect(courseArgs(['--course=/srv/course'], {}).courseDir).toBe('/srv/course');
  });

  it('falls back to DOCKHAND_COURSE, then lessons/', () => {
    expect(courseArgs(['intro'], { DOCKHAND_COURSE: FIXTURE_COURSE })).toEqual({ courseDir: FIXTURE_COURSE, rest: ['intro'] });
    expect(courseArgs([], {}).courseDir).toBe(LESSONS_DIR);
  });

  it.each([[['--course']], [['--course', '--walk']], [['--course=']]])('refuses %j without a folder', (argv) => {
    expect(() => courseArgs(argv, {})).toThrow('--course needs a folder of lessons, such as --course my-course');
  });
});

describe('the site build input hash', () => {
  let course = '';
  beforeAll(async () => {
    course = await mkdtemp(path.join(os.tmpdir(), 'dockhand-site-course-'));
    await writeFile(path.join(course, '01-a.md'), 'first');
  });
  afterAll(async () => {
    await rm(course, { recursive: true, force: true });
  });

  it('changes with the chosen course and with a lesson in it', async () => {
    const lessons = await siteInputsHash(ROOT, LESSONS_DIR);
    const own = await siteInputsHash(ROOT, course);
    expect(own).not.toBe(lessons);
    expect(await siteInputsHash(ROOT, course)).toBe(own);
    await writeFile(path.join(course, '01-a.md'), 'edited');
    expect(await siteInputsHash(ROOT, course)).not.toBe(own);
  });
});
