// A course of one's own: DOCKHAND_COURSE serves another folder (its lessons only, its starter files),
// and a lesson made by `lessons:new` passes lessons:check but fails the self-test until it is written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { selfTestLesson } from '../../sandbox-server/checks/selftest.ts';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api, createSession, openEvents } from '../../scripts/lib/api.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const COURSE = path.join(ROOT, 'test', 'fixtures', 'course');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'dockhand-own-course-'));
let dockhand: Dockhand;

beforeAll(async () => {
  // The next suite that needs the site for lessons/ builds it again (the input hash names the course).
  await ensureSiteBuilt(ROOT, () => {}, COURSE);
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_COURSE: 'test/fixtures/course', DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: path.join(scratch, 'state') }),
    () => {},
  );
});

afterAll(async () => {
  await dockhand?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A script of the checkout, run as npm runs it. */
function script(name: string, args: string[]) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', name), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('DOCKHAND_COURSE', () => {
  it('serves only the lessons of that folder', async () => {
    const lessons = await api(dockhand.url, 'GET', '/api/lessons');
    expect(lessons.status).toBe(200);
    expect((lessons.body as unknown as { slug: string }[]).map((lesson) => lesson.slug)).toEqual(['own-course']);
    const missing = await api(dockhand.url, 'GET', '/api/lessons/hello-world');
    expect(missing).toMatchObject({ status: 404, body: { code: 'unknown_lesson' } });
  });

  it('is the course the built site shows', async () => {
    const home = await (await fetch(`${dockhand.url}/`)).text();
    expect(home).toContain('href="/lessons/own-course/"');
    expect(home).not.toContain('/lessons/hello-world/');
    expect((await fetch(`${dockhand.url}/lessons/own-course/`)).status).toBe(200);
    expect((await fetch(`${dockhand.url}/lessons/hello-world/`)).status).toBe(404);
  });

  it("copies that folder's starter files into the workspace and checks its exercises live", async () => {
    const session = await createSession(dockhand.url, { lesson: 'own-course' });
    const events = await openEvents(dockhand.url, session.id, session.token, 'own-course');
    try {
      await vi.waitFor(
        async () => {
          const file = await api(dockhand.url, 'GET', `/api/sessions/${session.id}/files/note.txt`, { token: session.token });
          expect(file.body.content).toBe("from the course of one's own\n");
        },
        { timeout: 20_000, interval: 200 },
      );
      const exec = await api(dockhand.url, 'POST', `/api/sessions/${session.id}/checks/own-course/own-volume`, { token: session.token });
      expect(exec.body).toMatchObject({ passed: false });
      const unknown = await api(dockhand.url, 'POST', `/api/sessions/${session.id}/checks/hello-world/first-run`, { token: session.token });
      expect(unknown).toMatchObject({ status: 404, body: { code: 'unknown_lesson' } });
    } finally {
      events.ws.close();
      await api(dockhand.url, 'DELETE', `/api/sessions/${session.id}`, { token: session.token });
    }
  });
});

describe('lessons:new', () => {
  const course = path.join(scratch, 'my-course');

  it('scaffolds a lesson that lessons:check accepts and whose self-test fails until it is written', async () => {
    const made = script('lessons-new.ts', ['--course', course, 'my-lesson']);
    expect(made.output).toContain('wrote');
    expect(made.status).toBe(0);
    const check = script('lessons-check.ts', ['--course', course]);
    expect(check).toEqual({ status: 0, output: '1 lesson, 1 exercise, no problems\n' });
    expect(script('lessons-new.ts', ['--course', course, 'my-lesson'])).toMatchObject({
      status: 1,
      output: expect.stringContaining('the course already has a lesson "my-lesson"'),
    });

    const [lesson] = (await loadCourse(course)).lessons;
    if (!lesson) throw new Error('the scaffolded lesson did not load');
    const [report] = await selfTestLesson(testBackend(), lesson, course);
    expect(report).toMatchObject({ lesson: 'my-lesson', exercise: 'first-exercise', failBefore: true, wrongFail: true, passAfter: false });
    expect(report?.problem).toMatch(/the solve script exited 1: the solve script of my-lesson\/first-exercise is not written yet/);
  });

  it('names a problem in plain words: a check of a folder that is not there', () => {
    const check = script('lessons-check.ts', ['--course', path.join(scratch, 'nowhere')]);
    expect(check.status).toBe(1);
    expect(check.output).toMatch(/^lessons:check: there is no lessons directory at .*nowhere: create it/);
  });
});
