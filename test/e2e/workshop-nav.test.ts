// A workshop participant in Chromium walks two workshop lessons with the workshop nav (the lessons are
// not neighbours in the course, so "next lesson" must follow the workshop), while the room's projector
// view counts who joined and reached a prompt. After the end the nav says so, the code disappears.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import type { WorkshopView } from '../../sandbox-server/protocol/workshops.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api, createSession } from '../../scripts/lib/api.ts';
import { launchBrowser, type TestBrowser, typeInTerminal, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ADMIN = 'e2e-workshop-nav-admin-token-0123456789';
const PROMPT = 'learner@dockhand';
const SHOTS = '/work/shots/feedback';
/** A page's first fetches on a loaded 2-core machine. */
const LOADED = { timeout: 15_000 };
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-workshop-nav-'));

let dockhand: Dockhand;
let course: Lesson[];
let one: Lesson;
let two: Lesson;
let workshop: WorkshopView;
let participant: TestBrowser;
let instructor: TestBrowser;
let lesson: Page;
let projector: Page;

async function shots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1400, height: 900 };
  for (const [device, viewport] of [
    ['desktop', { width: 1400, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    await page.setViewportSize(viewport);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: path.join(SHOTS, `${name}-${device}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(size);
}

/** Same-origin links a person can see and follow on the page (in-page anchors aside). */
function visibleLinks(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLAnchorElement>('a[href]')]
      .filter((link) => link.checkVisibility() && link.origin === location.origin)
      .filter((link) => !(link.pathname === location.pathname && link.hash))
      .map((link) => link.pathname),
  );
}

const navLessons = (page: Page) =>
  page.locator('#workshop-nav-lessons li').evaluateAll((items) =>
    items.map((item) => ({
      title: item.querySelector('a')?.textContent,
      current: item.getAttribute('aria-current') === 'page',
      count: item.querySelector('.count')?.textContent ?? '',
    })),
  );

beforeAll(async () => {
  course = (await loadCourse(path.join(ROOT, 'lessons'))).lessons;
  const [first, , third] = course;
  if (!first || !third) throw new Error('the course needs three lessons: the workshop takes the first and the third.');
  one = first;
  two = third;
  await ensureSiteBuilt(ROOT, () => {});
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir, DOCKHAND_ADMIN_TOKEN: ADMIN }),
    () => {},
  );
  workshop = (
    await api(dockhand.url, 'POST', '/api/workshops', {
      token: ADMIN,
      body: { title: 'Volumes in a morning', lessons: [one.slug, two.slug] },
    })
  ).body as WorkshopView;
  participant = await launchBrowser();
  instructor = await launchBrowser();
  // about:blank has no storage of its own: only Dockhand's pages get the token.
  await instructor.context.addInitScript(
    (token) => location.protocol.startsWith('http') && localStorage.setItem('dockhand.admin-token', token),
    ADMIN,
  );
  lesson = await participant.newPage();
  projector = await instructor.newPage();
});

afterEach(() => {
  const errors = [participant, instructor].filter(Boolean).flatMap((browser) => browser.errors.splice(0));
  expect(errors).toEqual([]);
});

afterAll(async () => {
  for (const browser of [participant, instructor]) await browser?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the workshop on every page, and the projector', () => {
  it('the projector shows the code, a QR code of the join link, and nobody yet', async () => {
    await projector.goto(`${dockhand.url}/instructor/workshop/projector/?code=${workshop.code}`);
    await expect
      .poll(() => projector.locator('#projector-code').textContent())
      .toBe(`${workshop.code.slice(0, 3)} ${workshop.code.slice(3)}`);
    await expect.poll(() => projector.locator('#projector-qr svg path').count(), LOADED).toBeGreaterThan(0);
    expect(await projector.locator('#projector-qr svg').getAttribute('aria-label')).toContain(`code=${workshop.code}`);
    expect(await projector.locator('#projector-link').textContent()).toContain(`/join/?code=${workshop.code}`);
    // Without DOCKHAND_PUBLIC_URL the link is the address this page was opened with: a loopback one here, which the room cannot use.
    expect(await projector.locator('#projector-link').textContent()).toMatch(/^http:\/\/(127\.0\.0\.1|localhost):/);
    expect(await projector.locator('#projector-warning').textContent()).toMatch(/only this computer can open: participants cannot use it/);
    await expect.poll(() => projector.locator('#projector-joined').textContent()).toBe('0');
    expect(await projector.locator('#projector-prompt').textContent()).toBe('0');
  });

  it('a participant joins and lands in lesson 1 with the workshop nav; the projector counts them', async () => {
    await lesson.goto(`${dockhand.url}/join/?code=${workshop.code}`);
    await lesson.getByLabel('Your name').fill('Ada');
    await lesson.getByRole('button', { name: 'Join the workshop' }).click();
    await lesson.waitForURL(`**/lessons/${one.slug}/`);
    await waitForTerminal(lesson, (text) => text.includes(PROMPT), 'a prompt', 60_000);

    await expect.poll(() => lesson.locator('#workshop-nav').isVisible(), LOADED).toBe(true);
    expect(await lesson.locator('#workshop-nav-title').textContent()).toBe('Volumes in a morning');
    expect(await lesson.locator('#workshop-nav-time').textContent()).toMatch(/^\d+ h \d\d min left \(ends at .+\)$/);
    expect(await navLessons(lesson)).toEqual([
      { title: one.title, current: true, count: `0 of ${one.exercises.length} done` },
      { title: two.title, current: false, count: `0 of ${two.exercises.length} done` },
    ]);
    expect(await lesson.locator('.crumbs').textContent()).toMatch(/^Volumes in a morning · Lesson 1 of 2/);
    // Every link a participant can follow stays in the workshop.
    const allowed = [one.slug, two.slug].map((slug) => `/lessons/${slug}/`);
    expect((await visibleLinks(lesson)).filter((link) => !allowed.includes(link))).toEqual([]);

    await expect.poll(() => projector.locator('#projector-joined').textContent(), LOADED).toBe('1');
    await expect.poll(() => projector.locator('#projector-prompt').textContent(), LOADED).toBe('1');
    await shots(projector, 'projector');
  });

  it("the participant's workshop answers the session's own token only, and null outside a workshop", async () => {
    const stored = await lesson.evaluate(
      () => JSON.parse(localStorage.getItem('dockhand.session') ?? 'null') as { id: string; token: string },
    );
    const own = await api(dockhand.url, 'GET', `/api/sessions/${stored.id}/workshop`, { token: stored.token });
    expect(own).toMatchObject({ status: 200, body: { code: workshop.code, title: 'Volumes in a morning', state: 'running' } });
    expect((own.body as { lessons: unknown }).lessons).toEqual([
      { slug: one.slug, exercises: one.exercises.length, passed: 0 },
      { slug: two.slug, exercises: two.exercises.length, passed: 0 },
    ]);
    expect(await api(dockhand.url, 'GET', `/api/sessions/${stored.id}/workshop`, { token: 'wrong' })).toMatchObject({
      status: 401,
      body: { code: 'unauthorized' },
    });
    expect(await api(dockhand.url, 'GET', '/api/sessions/nobody/workshop', { token: stored.token })).toMatchObject({ status: 404 });
    const alone = await createSession(dockhand.url, {});
    const outside = await fetch(`${dockhand.url}/api/sessions/${alone.id}/workshop`, {
      headers: { authorization: `Bearer ${alone.token}` },
    });
    expect({ status: outside.status, body: await outside.json() }).toEqual({ status: 200, body: null });
    await api(dockhand.url, 'DELETE', `/api/sessions/${alone.id}`, { token: alone.token });
  });

  it('solving an exercise counts in the nav, and "next lesson" leads to the workshop\'s lesson 2', async () => {
    const exercise = one.exercises[0] as Lesson['exercises'][number];
    for (const line of exercise.solve.split('\n').filter((text) => text.trim())) await typeInTerminal(lesson, line);
    await expect
      .poll(() => lesson.locator(`section[data-exercise="${exercise.id}"]`).getAttribute('data-state'), { timeout: 30_000 })
      .toBe('passed');
    await expect.poll(async () => (await navLessons(lesson))[0]?.count, { timeout: 10_000 }).toBe(`1 of ${one.exercises.length} done`);
    await shots(lesson, 'workshop-nav-lesson-1');

    const next = lesson.locator('#workshop-nav-next');
    expect(await next.textContent()).toBe(`Next lesson: ${two.title}`);
    await next.click();
    await lesson.waitForURL(`**/lessons/${two.slug}/`);
    await expect.poll(() => lesson.locator('#workshop-nav').isVisible(), LOADED).toBe(true);
    expect(await navLessons(lesson)).toEqual([
      { title: one.title, current: false, count: `1 of ${one.exercises.length} done` },
      { title: two.title, current: true, count: `0 of ${two.exercises.length} done` },
    ]);
    // The last lesson of the workshop has no next one, and the course's own next lesson is not offered.
    expect(await next.isVisible()).toBe(false);
    expect(await lesson.locator('.lesson-nav').isVisible()).toBe(false);
    const allowed = [one.slug, two.slug].map((slug) => `/lessons/${slug}/`);
    expect((await visibleLinks(lesson)).filter((link) => !allowed.includes(link))).toEqual([]);

    // The dashboard's headers say which exercise a column is, in words, numbered like the lessons.
    const dashboard = await instructor.newPage();
    await dashboard.goto(`${dockhand.url}/instructor/workshop/?code=${workshop.code}`);
    await expect.poll(() => dashboard.locator('.progress-table tbody tr').count(), LOADED).toBe(1);
    // Each lesson is a summary column until its button shows its exercises.
    const toggles = dashboard.locator('.lesson-toggle');
    for (let n = 0; n < (await toggles.count()); n++) await toggles.nth(n).click();
    const heads = await dashboard.locator('.exercise-head').allTextContents();
    expect(heads[0]).toBe(`${exercise.title}, 1.1`);
    expect(heads).toHaveLength(one.exercises.length + two.exercises.length);
    await expect.poll(() => dashboard.locator('#progress-summary').textContent()).toMatch(/1 joined · 1 active · 1 at a prompt/);
    await shots(dashboard, 'dashboard');
    await dashboard.close();
  });

  it("an extension shows in the participant's nav at once, pushed over the socket the page already has", async () => {
    const clock = (iso: string) =>
      lesson.evaluate((time) => new Date(time).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }), iso);
    const extended = await api(dockhand.url, 'POST', `/api/workshops/${workshop.code}/extend`, { token: ADMIN, body: { minutes: 60 } });
    const endsAt = (extended.body as WorkshopView).endsAt;
    // Well within the nav's own 30 s refresh.
    await expect.poll(() => lesson.locator('#workshop-nav-time').textContent(), { timeout: 5_000 }).toMatch(/^3 h \d\d min left/);
    expect(await lesson.locator('#workshop-nav-time').textContent()).toContain(`(ends at ${await clock(endsAt)})`);
  });

  it('after the end: the nav says so at once, with the real end time, and what to do next; the projector and the dashboard hide the code', async () => {
    const ended = await api(dockhand.url, 'POST', `/api/workshops/${workshop.code}/end`, { token: ADMIN });
    expect(ended.status).toBe(200);
    const endedAt = new Date().toISOString();
    // Without a reload: the open page learns it, and the time left goes with it.
    await expect.poll(() => lesson.locator('#workshop-nav-ended').isVisible(), { timeout: 5_000 }).toBe(true);
    const realEnd = await lesson.evaluate(
      (time) => new Date(time).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
      endedAt,
    );
    expect(await lesson.locator('#workshop-nav-time').textContent()).toBe(`Ended at ${realEnd}`);
    await lesson.reload();
    await expect.poll(() => lesson.locator('#workshop-nav-ended').isVisible(), LOADED).toBe(true);
    expect(await lesson.locator('#workshop-nav-time').textContent()).toBe(`Ended at ${realEnd}`);
    // The ended session's sockets may be refused (410) as the page reconnects: that refusal is expected here.
    const refused = (line: string) => /\/ws\/sessions\/.*Unexpected response code: 410/.test(line);
    expect(await lesson.locator('#workshop-nav-ended').textContent()).toMatch(
      /This workshop has ended\. You finished 1 of \d+ exercises.*continue the course on your own.*join another workshop/,
    );
    await shots(lesson, 'workshop-nav-ended');
    participant.errors.splice(0, participant.errors.length, ...participant.errors.filter((line) => !refused(line)));

    await projector.reload();
    await expect.poll(() => projector.locator('#projector-ended').isVisible(), LOADED).toBe(true);
    expect(await projector.locator('#projector-open').isVisible()).toBe(false);

    const dashboard = await instructor.newPage();
    await dashboard.goto(`${dockhand.url}/instructor/workshop/?code=${workshop.code}`);
    await expect.poll(() => dashboard.locator('#workshop-state').textContent(), LOADED).toBe('Ended');
    expect(await dashboard.locator('#dashboard-join').isVisible()).toBe(false);
    // Nothing follows the room any more: the badge must not say "Live".
    await expect.poll(() => dashboard.locator('#live-state').textContent(), LOADED).toBe('Ended: final results');
    await dashboard.close();
  });
});
