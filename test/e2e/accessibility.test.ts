// axe-core on the pages people use, in Chromium against a real Dockhand: the home page, a lesson (with
// its terminal connected, then with the editor open, then on a phone), the join page, an instructor's
// dashboard and the 404 page. None may break a rule of impact serious or critical, nor a moderate one.
// Each page's results are written to test-artifacts/axe-results.json for the record.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api } from '../../scripts/lib/api.ts';
import { type AxeReport, blocking, runAxe } from '../support/axe.ts';
import { ARTIFACTS_DIR, launchBrowser, type TestBrowser, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ADMIN = 'e2e-axe-admin-token-0123456789abcdef';
const PROMPT = 'learner@dockhand';
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-axe-'));
const reports: AxeReport[] = [];

let dockhand: Dockhand;
let browser: TestBrowser;
let page: Page;
let first: Lesson;

/** Runs axe, keeps the report, and fails on what no page may have (`allowed`: moderate rules this view breaks by design). */
async function audit(name: string, allowed: string[] = []): Promise<AxeReport> {
  const report = await runAxe(page, name);
  reports.push(report);
  expect(blocking(report, ['region', 'landmark-unique']), `${name}: ${JSON.stringify(report.violations, null, 2)}`).toEqual([]);
  expect(report.violations.filter((violation) => violation.impact === 'moderate' && !allowed.includes(violation.id))).toEqual([]);
  return report;
}

beforeAll(async () => {
  first = (await loadCourse(path.join(ROOT, 'lessons'))).lessons[0] as Lesson;
  await ensureSiteBuilt(ROOT, () => {});
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir, DOCKHAND_ADMIN_TOKEN: ADMIN }),
    () => {},
  );
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterEach(() => {
  expect(browser.errors.splice(0)).toEqual([]);
});

afterAll(async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(path.join(ARTIFACTS_DIR, 'axe-results.json'), `${JSON.stringify(reports, null, 2)}\n`);
  await browser?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

it('the home page', async () => {
  await page.goto(`${dockhand.url}/`);
  await page.locator('.course-item').first().waitFor();
  await audit('home');
});

it('a lesson, with its terminal connected, its editor open, and on a phone', async () => {
  await page.goto(`${dockhand.url}/lessons/${first.slug}/`);
  await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt');
  const lesson = await audit('lesson');
  // The rule the walk found broken: code blocks that scroll must be reachable by keyboard.
  expect(lesson.violations.map((violation) => violation.id)).not.toContain('scrollable-region-focusable');
  await page.locator('#tab-editor').click();
  await page.locator('.file-tree li').first().waitFor({ timeout: 30_000 });
  await audit('lesson with the editor');
  await page.locator('#tab-terminal-1').click();
  await page.setViewportSize({ width: 390, height: 844 });
  await audit('lesson on a phone (lesson pane)');
  await page.getByRole('button', { name: 'Terminal', exact: true }).click();
  // The phone shows one pane at a time: with the terminal's, the lesson (its <main> and <h1>) is hidden.
  await audit('lesson on a phone (terminal pane)', ['landmark-one-main', 'page-has-heading-one']);
  await page.setViewportSize({ width: 1400, height: 900 });
});

it('the join page', async () => {
  await page.goto(`${dockhand.url}/join/`);
  await page.locator('form').first().waitFor();
  await audit('join');
});

it("an instructor's dashboard of a live workshop", async () => {
  const created = await api(dockhand.url, 'POST', '/api/workshops', {
    token: ADMIN,
    body: { title: 'Accessible workshop', lessons: [first.slug] },
  });
  expect(created.status).toBe(201);
  const code = created.body.code as string;
  await page.goto(`${dockhand.url}/instructor/`);
  await page.evaluate((token) => localStorage.setItem('dockhand.admin-token', token), ADMIN);
  await page.goto(`${dockhand.url}/instructor/workshop/?code=${code}`);
  await page.locator('#dashboard').waitFor({ timeout: 20_000 });
  await expect.poll(() => page.locator('#live-state').getAttribute('data-state'), { timeout: 20_000 }).not.toBe('connecting');
  await audit('dashboard');
});

it('the page for an address that does not exist', async () => {
  const response = await page.goto(`${dockhand.url}/lessons/no-such-lesson/`);
  expect(response?.status()).toBe(404);
  // The 404 itself is the point here; the console's lines about it are not a bug.
  await expect.poll(() => browser.errors.some((line) => line.includes('status of 404')), { timeout: 5_000 }).toBe(true);
  // The harness's own line about the response (it reads the body first) comes on its own time.
  await expect.poll(() => browser.errors.some((line) => line.includes('answered 404')), { timeout: 5_000 }).toBe(true);
  browser.errors.splice(0);
  await audit('404');
});
