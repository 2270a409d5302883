// The instructor's dashboard of a whole-course workshop in Chromium: a room of fourteen seeded into the
// real store (their sessions over, their passes recorded) and one live participant with a real sandbox.
// The summary fits a laptop's width, says where each person is and how many finished each lesson, and a
// lesson expands to its exercises; watching a terminal leaves the table its width; the projector shows
// no admin buttons; the CSV's times read as the page's (the browser's zone, with its offset).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { openStore } from '../../sandbox-server/store/store.ts';
import { api, type Created, createSession } from '../../scripts/lib/api.ts';
import { blocking, runAxe } from '../support/axe.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ADMIN = 'e2e-dashboard-admin-token-0123456789';
const CODE = 'DASH42';
const ZONE = 'Asia/Kolkata';
const SHOTS = '/work/shots';
const LOADED = { timeout: 15_000 };
const HOUR = 3_600_000;
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-dashboard-'));
/** How many of the course's exercises (in order) each seeded person passed. */
const SEEDED: [string, number][] = [
  ['Ada', 0],
  ['Grace', 1],
  ['Linus', 3],
  ['Margaret', 5],
  ['Ken', 6],
  ['Barbara', 8],
  ['Dennis', 12],
  ['Frances', 15],
  ['Edsger', 18],
  ['Radia', 22],
  ['Tim', 27],
  ['Annie', 33],
  ['Brian', 40],
  ['Katherine Johnson of the Langley Center', 48],
];
const LIVE = 'Live Lin';

let dockhand: Dockhand;
let lessons: Lesson[];
let keys: string[];
let instructor: TestBrowser;
let dashboard: Page;
let live: Created;

/** How far a page scrolls sideways, and the first elements reaching past the window (to say which). */
function sidewaysOverflow(page: Page): Promise<{ pixels: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width)
      .slice(0, 8)
      .map(
        (element) =>
          `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${[...element.classList].map((c) => `.${c}`).join('')}`,
      );
    return { pixels: document.documentElement.scrollWidth - width, culprits };
  });
}

async function shots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1366, height: 768 };
  for (const viewport of [
    { width: 390, height: 844 },
    { width: 1366, height: 768 },
    { width: 1920, height: 1080 },
  ]) {
    await page.setViewportSize(viewport);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: path.join(SHOTS, `ux2-${name}-${viewport.width}-${scheme}.png`) });
      const table = page.locator('.progress-section');
      if (await table.isVisible()) await table.screenshot({ path: path.join(SHOTS, `ux2-${name}-table-${viewport.width}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(size);
}

const row = (name: string) =>
  dashboard.locator('.progress-table tbody tr').filter({ has: dashboard.locator('.participant-name', { hasText: name }) });

beforeAll(async () => {
  lessons = (await loadCourse(path.join(ROOT, 'lessons'))).lessons.filter((lesson) => lesson.exercises.length > 0);
  keys = lessons.flatMap((lesson) => lesson.exercises.map((exercise) => `${lesson.slug}/${exercise.id}`));
  // The room, seeded into the real store before the server opens it: sittings that are over, passes in course order.
  const store = openStore(path.join(stateDir, 'dockhand.sqlite'));
  const now = Date.now();
  store.createWorkshop({
    code: CODE,
    title: 'The whole course',
    lessons: [],
    startsAt: now - HOUR,
    endsAt: now + 3 * HOUR,
    seats: null,
    expected: null,
    createdAt: now - 2 * HOUR,
  });
  SEEDED.forEach(([name, passed], index) => {
    const participant = `seed-participant-${index}`;
    const session = `seed-session-${index}`;
    store.createParticipant({ id: participant, workshop: CODE, learner: null, name, joinedAt: now - HOUR });
    store.createSession({
      id: session,
      tokenHash: 'seeded',
      lesson: null,
      workshop: CODE,
      name,
      learner: null,
      participant,
      createdAt: now - HOUR,
    });
    keys.slice(0, passed).forEach((key, at) => {
      const [lesson, exercise] = key.split('/') as [string, string];
      store.recordCheck(session, lesson, exercise, true, 'done', now - HOUR + (at + 1) * 60_000);
    });
    store.endSession(session, now - 60_000, 'idle');
  });
  store.close();
  await ensureSiteBuilt(ROOT, () => {});
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: stateDir, DOCKHAND_ADMIN_TOKEN: ADMIN }),
    () => {},
  );
  live = await createSession(dockhand.url, { workshop: CODE, name: LIVE });
  instructor = await launchBrowser({ timezoneId: ZONE });
  await instructor.context.addInitScript(
    (token) => location.protocol.startsWith('http') && localStorage.setItem('dockhand.admin-token', token),
    ADMIN,
  );
  dashboard = await instructor.newPage();
  await dashboard.setViewportSize({ width: 1366, height: 768 });
});

afterEach(() => {
  expect(instructor?.errors.splice(0) ?? []).toEqual([]);
});

afterAll(async () => {
  await instructor?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Who finished each lesson, and each seeded person's lesson now, as the course order says. */
function expected(passed: number): { now: string; perLesson: string[] } {
  let index = 0;
  const perLesson = lessons.map((lesson) => {
    const done = Math.max(0, Math.min(lesson.exercises.length, passed - index));
    index += lesson.exercises.length;
    return `${done}/${lesson.exercises.length}`;
  });
  const unfinished = lessons.findIndex((_, n) => perLesson[n] !== `${lessons[n]?.exercises.length}/${lessons[n]?.exercises.length}`);
  const lesson = lessons[unfinished];
  return { now: lesson ? `${unfinished + 1}. ${lesson.title}` : 'All done', perLesson };
}

describe("the instructor's dashboard of a whole course", () => {
  it('fits 1366 px: per person the lesson they are in and a count per lesson, per lesson how many finished', async () => {
    await dashboard.goto(`${dockhand.url}/instructor/workshop/?code=${CODE}`);
    await expect.poll(() => dashboard.locator('#live-state').textContent(), LOADED).toBe('Live');
    await expect.poll(() => dashboard.locator('.progress-table tbody tr').count()).toBe(SEEDED.length + 1);
    expect(await dashboard.locator('.lesson-head').count()).toBe(lessons.length);
    expect(await dashboard.locator('.lesson-toggle[aria-expanded="false"]').count()).toBe(lessons.length);

    const sideways = await sidewaysOverflow(dashboard);
    expect(sideways.pixels, `the dashboard scrolls sideways at 1366 px; reaching out: ${sideways.culprits.join(' ')}`).toBeLessThanOrEqual(
      0,
    );
    const wrap = await dashboard.locator('.progress-wrap').evaluate((box) => ({ scroll: box.scrollWidth, client: box.clientWidth }));
    expect(wrap.scroll, 'the table scrolls sideways inside its box at 1366 px').toBeLessThanOrEqual(wrap.client);

    for (const [name, passed] of SEEDED) {
      const want = expected(passed);
      expect(await row(name).locator('.now').textContent(), `${name}'s lesson now`).toBe(want.now);
      expect(await row(name).locator('.lesson-cell .count').allTextContents(), `${name}'s counts`).toEqual(want.perLesson);
      expect(await row(name).locator('.total').textContent()).toBe(`${passed}/${keys.length}`);
    }
    // The current lesson is framed in the row, once.
    expect(await row('Barbara').locator('.lesson-cell.current').count()).toBe(1);
    const people = SEEDED.length + 1;
    const finished = lessons.map(
      (_, n) =>
        SEEDED.filter(([, passed]) => expected(passed).perLesson[n] === `${lessons[n]?.exercises.length}/${lessons[n]?.exercises.length}`)
          .length,
    );
    expect(await dashboard.locator('tfoot .lesson-total').allTextContents()).toEqual(finished.map((count) => `${count}/${people}`));
    await shots(dashboard, 'dashboard');
  });

  it('expands a lesson to its exercises and folds it again, the focus staying on its button', async () => {
    const second = lessons[1] as Lesson;
    const toggle = dashboard.locator(`.lesson-head[data-lesson="${second.slug}"] .lesson-toggle`);
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await dashboard.evaluate(() => document.activeElement?.closest('.lesson-head')?.getAttribute('data-lesson'))).toBe(second.slug);
    const heads = await dashboard.locator('.exercise-head').evaluateAll((cells) => cells.map((cell) => (cell as HTMLElement).dataset.key));
    expect(heads).toEqual(second.exercises.map((exercise) => `${second.slug}/${exercise.id}`));
    // Frances passed 15: all of lesson 1 and some of lesson 2, exercise by exercise.
    const first = (lessons[0] as Lesson).exercises.length;
    const frances = await row('Frances')
      .locator('td.cell')
      .evaluateAll((cells) => cells.map((cell) => (cell as HTMLElement).dataset.passed));
    expect(frances).toEqual(second.exercises.map((_, n) => String(first + n < 15)));
    expect(await dashboard.locator('tfoot .exercise-total').count()).toBe(second.exercises.length);
    // Fifteen lesson buttons, sideways titles and an expanded lesson still break no accessibility rule.
    const report = await runAxe(dashboard, 'dashboard-expanded');
    expect(blocking(report, ['region', 'landmark-unique']), JSON.stringify(report.violations, null, 2)).toEqual([]);
    await shots(dashboard, 'dashboard-expanded');
    // Wider than its box now: the table scrolls inside it, never the page; on a laptop each row's total and
    // Watch button stay in sight at the box's right edge (they used to scroll out of it).
    for (const viewport of [
      { width: 1400, height: 900 },
      { width: 420, height: 900 },
    ]) {
      await dashboard.setViewportSize(viewport);
      const sideways = await sidewaysOverflow(dashboard);
      expect(
        sideways.pixels,
        `an expanded lesson scrolls the page sideways at ${viewport.width} px; reaching out: ${sideways.culprits.join(' ')}`,
      ).toBeLessThanOrEqual(0);
    }
    await dashboard.setViewportSize({ width: 1400, height: 900 });
    const wrap = dashboard.locator('.progress-wrap');
    expect(await wrap.evaluate((box) => box.scrollWidth > box.clientWidth), 'the expanded table is wider than its box').toBe(true);
    const inSight = async (selector: string) => {
      const [box, cell] = [await wrap.boundingBox(), await row(LIVE).locator(selector).boundingBox()];
      return Boolean(box && cell && cell.x >= box.x && cell.x + cell.width <= box.x + box.width);
    };
    expect(await inSight('.total'), "the live row's total in sight").toBe(true);
    expect(await inSight('.watch-button'), "the live row's Watch button in sight").toBe(true);
    await dashboard.setViewportSize({ width: 1366, height: 768 });
    await dashboard.keyboard.press('Enter');
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await dashboard.locator('.exercise-head').count()).toBe(0);
  });

  it('watching a terminal at 1366 px leaves the table its whole width, and both in view', async () => {
    await row(LIVE)
      .getByRole('button', { name: `Watch ${LIVE}'s terminal` })
      .click();
    await expect.poll(() => dashboard.locator('#watch-status').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
    const sideways = await sidewaysOverflow(dashboard);
    expect(sideways.pixels, `watching scrolls the page sideways; reaching out: ${sideways.culprits.join(' ')}`).toBeLessThanOrEqual(0);
    const wrap = await dashboard.locator('.progress-wrap').evaluate((box) => ({ scroll: box.scrollWidth, client: box.clientWidth }));
    expect(wrap.scroll, 'the watch panel squeezes the table into a sideways scroll').toBeLessThanOrEqual(wrap.client);
    const panel = await dashboard.locator('#watch').boundingBox();
    expect(panel?.width ?? 0).toBeGreaterThan(600);
    await shots(dashboard, 'dashboard-watching');
    await dashboard.getByRole('button', { name: 'Close' }).click();
  });

  it('downloads the CSV with the times in the browser’s zone, as the page shows them', async () => {
    const [download] = await Promise.all([
      dashboard.waitForEvent('download'),
      dashboard.getByRole('button', { name: 'Export results (CSV)' }).click(),
    ]);
    const [header, ...rows] = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    // The browser's own name for its zone (Chromium says Asia/Calcutta for Asia/Kolkata).
    const zone = await dashboard.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(header?.slice(0, 4)).toEqual(['name', 'state', `joined (${zone})`, 'passed']);
    expect(header?.slice(4)).toEqual(keys);
    const grace = rows.find((cells) => cells[0] === 'Grace') as string[];
    expect(grace[4]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);
    // The dashboard's own words for the same pass: "passed at HH:MM" in the page's zone.
    const first = lessons[0] as Lesson;
    await dashboard.locator(`.lesson-head[data-lesson="${first.slug}"] .lesson-toggle`).click();
    const said = await row('Grace').locator(`td.cell[data-key="${keys[0]}"] .visually-hidden`).textContent();
    const csvTime = grace[4] as string;
    const page = await dashboard.evaluate((iso) => {
      const at = new Date(iso);
      return {
        shown: at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
        wall: at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      };
    }, csvTime);
    // The same instant as the page says it, and the file's wall clock is the page's.
    expect(said).toBe(`passed at ${page.shown}`);
    expect(csvTime.slice(11, 16)).toBe(page.wall);
    await dashboard.locator(`.lesson-head[data-lesson="${first.slug}"] .lesson-toggle`).click();
  });

  it('a revealed solution does not mark anyone as stuck', async () => {
    const first = lessons[0] as Lesson;
    const exercise = first.exercises[0];
    const revealed = await api(dockhand.url, 'GET', `/api/sessions/${live.id}/solutions/${first.slug}/${exercise?.id}`, {
      token: live.token,
    });
    expect(revealed.status).toBe(200);
    const progress = async () =>
      (await api(dockhand.url, 'GET', `/api/workshops/${CODE}/progress`, { token: ADMIN })).body as {
        participants: { name: string; solutionsRevealed: number; stuck: string | null }[];
      };
    await expect.poll(async () => (await progress()).participants.find((person) => person.name === LIVE)?.solutionsRevealed).toBe(1);
    expect((await progress()).participants.find((person) => person.name === LIVE)?.stuck).toBeNull();
    // Long enough for the dashboard's next snapshot (the old rule said "revealed a solution" within seconds).
    await dashboard.waitForTimeout(10_000);
    expect(await row(LIVE).evaluate((tr) => tr.classList.contains('stuck'))).toBe(false);
    expect(await dashboard.locator('#progress-summary').textContent()).toContain('0 stuck');
  });

  it('the projector shows who finished each lesson and no admin buttons', async () => {
    const projector = await instructor.newPage();
    await projector.setViewportSize({ width: 1366, height: 768 });
    await projector.goto(`${dockhand.url}/instructor/workshop/projector/?code=${CODE}`);
    await expect.poll(() => projector.locator('#projector-lessons li').count(), LOADED).toBe(lessons.length);
    const people = SEEDED.length + 1;
    const firstFinished = SEEDED.filter(([, passed]) => passed >= (lessons[0] as Lesson).exercises.length).length;
    expect(await projector.locator('#projector-lessons li').first().locator('.projector-lesson-count').textContent()).toBe(
      `${firstFinished} of ${people}`,
    );
    const buttons = await projector
      .locator('button')
      .evaluateAll((all) => all.filter((button) => (button as HTMLElement).checkVisibility()).map((button) => button.textContent?.trim()));
    expect(buttons, 'buttons on the room’s screen').toEqual([]);
    expect(await projector.locator('.participant-name').count()).toBe(0);
    await shots(projector, 'projector');
    await projector.close();
  });
});
