// One learner, two browsers: progress made in the first shows in the second once the resume code is
// entered there (on its own page, which starts no sandbox and says what becomes of this browser's own
// progress), and both see the same live session. A wrong code is refused with the server's sentence.
// Ending a sandbox on purpose asks whether to keep the work; kept work comes back, "Start fresh" drops it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { WORKSPACE_DIR } from '../../sandbox-server/sandboxes/learner.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api } from '../../scripts/lib/api.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHOTS = '/work/shots/learners';
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-learners-'));
const backend = testBackend();
let dockhand: Dockhand;
let first: Lesson;
const browsers: TestBrowser[] = [];

type Stored = { id: string; token: string };
const stored = (page: Page, key: string) => page.evaluate((name) => JSON.parse(localStorage.getItem(name) ?? 'null') as Stored, key);
const bannerState = (page: Page) => page.locator('#session-banner').getAttribute('data-state');

/** Opens the workspace's "More" menu, where screen reader mode, another device and End sandbox live. */
async function openMore(page: Page): Promise<void> {
  const more = page.getByRole('button', { name: 'More settings and actions' });
  if ((await more.getAttribute('aria-expanded')) !== 'true') await more.click();
}

async function openLesson(browser: TestBrowser): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${dockhand.url}/lessons/${first.slug}/`);
  await expect.poll(() => bannerState(page), { timeout: 60_000 }).toBe('active');
  return page;
}

beforeAll(async () => {
  const course = await loadCourse(path.join(ROOT, 'lessons'));
  first = course.lessons[0] as Lesson;
  await ensureSiteBuilt(ROOT, () => {});
  dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir }), () => {});
});

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a learner on a second browser', () => {
  it('enters the resume code and finds their progress and their sandbox there', async () => {
    const exercise = first.exercises[0]?.id as string;
    const one = await launchBrowser();
    browsers.push(one);
    const a = await openLesson(one);
    const learner = await stored(a, 'dockhand.learner');
    const session = await stored(a, 'dockhand.session');
    expect(learner.token).toMatch(/^[0-9A-Z]{20}$/);

    // The learner solves the first exercise; the page ticks it.
    const solution = await api(dockhand.url, 'GET', `/api/sessions/${session.id}/solutions/${first.slug}/${exercise}`, {
      token: session.token,
    });
    const live = dockhand.sessions.live(session.id);
    if (!live) throw new Error('the session is not live');
    const solved = await runAsLearner(backend, live.sandbox, ['bash', '-c', `cd ~/workspace && ${solution.body.solve}`]);
    expect(solved.exitCode, solved.stderr).toBe(0);
    await expect.poll(() => a.locator(`#exercise-${exercise} .exercise-state`).textContent(), { timeout: 30_000 }).toBe('Passed');

    await openMore(a);
    await a.locator('dockhand-device summary').click();
    const code = a.locator('dockhand-device .resume-code');
    await expect.poll(() => code.textContent(), { timeout: 10_000 }).toMatch(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/);
    await a.screenshot({ path: `${SHOTS}/device-panel.png` });
    const resumeCode = (await code.textContent()) as string;

    const two = await launchBrowser();
    browsers.push(two);
    const b = await openLesson(two);
    const own = await stored(b, 'dockhand.session');
    expect((await stored(b, 'dockhand.learner')).id).not.toBe(learner.id);
    // From the lesson, "Use on another device" leads to the page that takes a code.
    await openMore(b);
    await b.locator('dockhand-device summary').click();
    await b.locator('dockhand-device a[href="/resume/"]').click();
    await b.waitForURL('**/resume/');
    // Before any code: what becomes of this browser's own progress and sandbox.
    await expect
      .poll(() => b.locator('#resume-note').textContent(), { timeout: 10_000 })
      .toMatch(
        /^This browser has progress of its own \(no exercises passed yet\)\. It is not merged.*resume code, ([0-9A-Z]{4}-){4}[0-9A-Z]{4}; .*Its sandbox is ended/,
      );
    const input = b.locator('#resume-form input');
    // A wrong code: the server's one sentence, and this browser stays who it was.
    await input.fill('AAAA-BBBB-CCCC-DDDD-EEEE');
    await b.locator('#resume-form button[type="submit"]').click();
    await expect.poll(() => b.locator('#resume-form .form-error').textContent(), { timeout: 10_000 }).toMatch(/resume code does not open/);
    // The browser logs the refusal (as the console's 401 and as the answer): that one is expected.
    // Its answer line is logged once the body is read, which may be after the page shows the sentence.
    await expect.poll(() => two.errors.some((error) => /\/api\/learners\/resume answered 401/.test(error)), { timeout: 10_000 }).toBe(true);
    const refused = two.errors.splice(0);
    expect(refused.every((error) => /401/.test(error))).toBe(true);
    await input.fill('nonsense');
    await b.locator('#resume-form button[type="submit"]').click();
    expect(await b.locator('#resume-form .form-error').textContent()).toMatch(/20 letters and digits/);

    await input.fill(resumeCode.toLowerCase().replace(/-/g, ' '));
    await b.locator('#resume-form button[type="submit"]').click();
    await b.waitForURL('**/progress/');
    // The sandbox this browser ran as its old identity was ended, not left to idle.
    expect(dockhand.sessions.live(own.id)).toBeUndefined();
    await b.goto(`${dockhand.url}/lessons/${first.slug}/`);
    await expect.poll(() => bannerState(b), { timeout: 60_000 }).toBe('active');
    expect(await stored(b, 'dockhand.learner')).toEqual({ id: learner.id, token: learner.token });
    expect((await stored(b, 'dockhand.session')).id).toBe(session.id);
    await expect.poll(() => b.locator(`#exercise-${exercise} .exercise-state`).textContent(), { timeout: 20_000 }).toBe('Passed');
    await b.screenshot({ path: `${SHOTS}/second-browser.png` });
    // The progress page says the same, without a sandbox of its own.
    await b.goto(`${dockhand.url}/progress/`);
    await expect.poll(() => b.locator('#progress-note').textContent(), { timeout: 20_000 }).toBe('You passed 1 exercise so far.');
    expect(await b.locator(`.course-item[data-lesson="${first.slug}"] .progress`).textContent()).toMatch(/1 of \d+ done/);
    await b.screenshot({ path: `${SHOTS}/progress-page.png`, fullPage: true });
    expect([...one.errors, ...two.errors]).toEqual([]);
  });
});

describe('a returning learner on a new device', () => {
  it('finds where to enter a resume code on the home page and in the header, and no sandbox starts for it', async () => {
    const browser = await launchBrowser();
    browsers.push(browser);
    const page = await browser.newPage();
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET') posts.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.goto(`${dockhand.url}/`);
    expect(await page.locator('main a[href="/resume/"]').textContent()).toBe('Enter your resume code');
    await page.locator('.site-header a[href="/resume/"]').click();
    await page.waitForURL('**/resume/');
    expect(await page.locator('h1').textContent()).toBe('Go on from another device');
    await expect
      .poll(() => page.locator('#resume-note').textContent())
      .toBe('This browser holds no progress of its own yet, so nothing is lost.');
    await page.screenshot({ path: `${SHOTS}/resume-page.png` });
    expect(posts).toEqual([]);
    expect(await stored(page, 'dockhand.learner')).toBeNull();
    expect(browser.errors).toEqual([]);
  });
});

describe('a learner who ends their sandbox', () => {
  it('keeps their work when asked, finds it back in the next sandbox, and can start fresh instead', async () => {
    const browser = await launchBrowser();
    browsers.push(browser);
    const page = await openLesson(browser);
    const sandboxOf = async () => {
      const { id } = await stored(page, 'dockhand.session');
      const live = dockhand.sessions.live(id);
      if (!live) throw new Error('the session is not live');
      return { id, sandbox: live.sandbox };
    };
    const before = await sandboxOf();
    const wrote = await runAsLearner(backend, before.sandbox, ['bash', '-c', `echo kept > ${WORKSPACE_DIR}/kept.txt`]);
    expect(wrote.exitCode, wrote.stderr).toBe(0);

    await openMore(page);
    await page.locator('#end-sandbox').click();
    await page.locator('#end-confirm [data-end="keep"]').click();
    // The events socket may say "ended" before the answer to the DELETE says the work was kept.
    await expect
      .poll(() => page.locator('#session-banner .message').textContent(), { timeout: 30_000 })
      .toMatch(/^You ended this sandbox\. Your files, images and containers are kept for your next sandbox\.$/);
    expect(await bannerState(page)).toBe('ended');

    await page.locator('#session-banner .session-action').click();
    await expect.poll(() => bannerState(page), { timeout: 60_000 }).toBe('resumed');
    expect(await page.locator('#session-banner .message').textContent()).toMatch(/back as you left it/);
    await page.screenshot({ path: `${SHOTS}/resumed.png` });
    const resumed = await sandboxOf();
    expect(resumed.id).not.toBe(before.id);
    expect((await runAsLearner(backend, resumed.sandbox, ['cat', `${WORKSPACE_DIR}/kept.txt`])).stdout).toBe('kept\n');

    // "Start fresh" deletes that work for good: it asks first, says what goes, and deletes nothing yet.
    await page.locator('#session-banner .session-action').click();
    const confirm = page.locator('#fresh-confirm');
    await confirm.waitFor();
    expect(await confirm.textContent()).toMatch(/files, images, volumes and containers from last time are deleted for good/);
    await page.screenshot({ path: `${SHOTS}/start-fresh-confirm.png` });
    await page.waitForTimeout(1000);
    expect((await sandboxOf()).id).toBe(resumed.id);
    await confirm.getByRole('button', { name: 'Keep my work' }).click();
    expect(await confirm.isHidden()).toBe(true);
    expect(await bannerState(page)).toBe('resumed');
    expect((await sandboxOf()).id).toBe(resumed.id);
    expect((await runAsLearner(backend, resumed.sandbox, ['cat', `${WORKSPACE_DIR}/kept.txt`])).stdout).toBe('kept\n');

    await page.locator('#session-banner .session-action').click();
    await confirm.getByRole('button', { name: 'Delete my work and start fresh' }).click();
    await expect.poll(() => bannerState(page), { timeout: 60_000 }).toBe('active');
    const fresh = await sandboxOf();
    expect(fresh.id).not.toBe(resumed.id);
    expect((await runAsLearner(backend, fresh.sandbox, ['ls', `${WORKSPACE_DIR}/kept.txt`])).exitCode).not.toBe(0);
    expect(browser.errors).toEqual([]);
  });
});
