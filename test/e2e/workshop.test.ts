// A workshop in real browsers against a real Dockhand: an instructor (one browser) creates it in the
// UI, three participants (three more browsers, each its own profile) join with the code, a fourth is
// turned away, a solved exercise ticks on the live dashboard, the instructor watches a terminal
// read-only, messages everyone, exports the CSV and ends the workshop; participants are told.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { ARTIFACTS_DIR, launchBrowser, screenshot, type TestBrowser, typeInTerminal, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ADMIN = 'e2e-workshop-admin-token-0123456789';
const PROMPT = 'learner@dockhand';
const NAMES = ['Ada', 'Grace', '<b>Eve</b>'] as const;
const SOLVER = '<b>Eve</b>';
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-workshop-'));
const marker = `ws-${Math.random().toString(36).slice(2, 8)}`;
const timings: Record<string, number> = {};

let dockhand: Dockhand;
let first: Lesson;
let second: Lesson;
let instructor: TestBrowser;
let dashboard: Page;
let code: string;
let joinUrl: string;
const people: { name: string; browser: TestBrowser; page: Page }[] = [];
const everyone = () => [instructor, ...people.map((person) => person.browser)].filter(Boolean);
const person = (name: string) => people.find((candidate) => candidate.name === name) as (typeof people)[number];
const row = (name: string) =>
  dashboard.locator('.progress-table tbody tr').filter({ has: dashboard.locator('.participant-name', { hasText: name }) });

/** The text of the read-only terminal on the dashboard (xterm.js keeps one element per row). */
const watchedText = () =>
  dashboard.locator('#watch-host .xterm-rows').evaluate((rows) => [...rows.children].map((line) => line.textContent ?? '').join('\n'));

/**
 * Takes the errors a deliberate refusal leaves in a browser's log: its response ("METHOD url answered
 * STATUS") and Chromium's "Failed to load resource" line. Anything else stays and fails the test.
 */
async function expectRefusals(browser: TestBrowser, refusals: { method: string; path: string; status: number }[]): Promise<void> {
  for (const { method, path: urlPath, status } of refusals) {
    const patterns = [
      (line: string) => line.includes(`${method} ${dockhand.url}${urlPath} answered ${status}`),
      (line: string) => line.includes(`the server responded with a status of ${status}`),
    ];
    for (const matches of patterns) {
      await expect.poll(() => browser.errors.some(matches), { timeout: 5_000 }).toBe(true);
      browser.errors.splice(browser.errors.findIndex(matches), 1);
    }
  }
}

/** Types a command in a participant's terminal and waits for a line it prints that the typed text does not contain. */
async function runAs(name: string, command: string, done: string): Promise<void> {
  const { page } = person(name);
  await typeInTerminal(page, `${command}; echo ${done.replace(/-(\d+)$/, '-$(($1))')}`);
  await waitForTerminal(page, (text) => text.split('\n').some((line) => line.trim() === done), `the end of \`${command}\``, 60_000);
}

/** How far a page scrolls sideways, and the first elements reaching past the window (to say which). */
function sidewaysOverflow(page: Page): Promise<{ pixels: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width)
      .slice(0, 12)
      .map(
        (element) =>
          `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${[...element.classList].map((name) => `.${name}`).join('')}`,
      );
    return { pixels: document.documentElement.scrollWidth - width, culprits };
  });
}

/** RFC 4180 as progress.csv writes it: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      cells.push(cell);
      rows.push(cells);
      cells = [];
      cell = '';
      i++;
    } else cell += char;
  }
  return rows;
}

beforeAll(async () => {
  const course = await loadCourse(path.join(ROOT, 'lessons'));
  const [one, two] = course.lessons;
  if (!one || !two) throw new Error('the course needs two lessons; the workshop test picks the first two.');
  first = one;
  second = two;
  let started = Date.now();
  await ensureSiteBuilt(ROOT, () => {});
  timings.siteBuildMs = Date.now() - started;
  started = Date.now();
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: stateDir, DOCKHAND_ADMIN_TOKEN: ADMIN }),
    () => {},
  );
  timings.serverStartMs = Date.now() - started;
  instructor = await launchBrowser();
  for (const name of NAMES) {
    const browser = await launchBrowser();
    people.push({ name, browser, page: await browser.newPage() });
  }
  dashboard = await instructor.newPage();
});

afterEach(() => {
  // A console error is a bug someone in the room would meet: every step must leave every browser clean.
  const errors = everyone().flatMap((browser) => browser.errors.splice(0));
  expect(errors).toEqual([]);
});

afterAll(async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(path.join(ARTIFACTS_DIR, 'e2e-workshop-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  for (const browser of everyone()) await browser.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a workshop, from creation to its end', () => {
  it('the instructor gives the admin token once, creates a workshop of 3 seats and gets a code to read out', async () => {
    await dashboard.goto(`${dockhand.url}/instructor/`);
    await dashboard.getByLabel('Admin token', { exact: true }).fill('not-the-admin-token-at-all');
    await dashboard.getByRole('button', { name: 'Use this token' }).click();
    await expect.poll(() => dashboard.locator('#token-error').textContent()).toMatch(/does not accept this token/);
    await expectRefusals(instructor, [{ method: 'GET', path: '/api/workshops', status: 401 }]);
    await dashboard.getByLabel('Admin token', { exact: true }).fill(ADMIN);
    await dashboard.getByRole('button', { name: 'Use this token' }).click();
    await dashboard.locator('#instructor-app').waitFor();

    await dashboard.getByLabel('Title', { exact: true }).fill('Docker in a day');
    await dashboard.getByLabel('Only the lessons I choose').check();
    // The picker keeps the order the instructor sets: move the second lesson up, then back.
    await dashboard.getByRole('button', { name: `Move “${second.title}” up` }).click();
    await expect.poll(() => dashboard.locator('#lesson-list li').first().getAttribute('data-slug')).toBe(second.slug);
    await dashboard.getByRole('button', { name: `Move “${second.title}” down` }).click();
    await dashboard.getByLabel(first.title, { exact: true }).check();
    await dashboard.getByLabel(second.title, { exact: true }).check();
    await dashboard.screenshot({ path: path.join(ARTIFACTS_DIR, 'workshop-form.png'), fullPage: true });
    await dashboard.getByLabel('Seat limit (optional)').fill('3');
    await dashboard.getByLabel('Expected size (optional)').fill('3');
    await dashboard.getByRole('button', { name: 'Create workshop' }).click();

    const shown = dashboard.locator('#created-code [data-code-value]');
    await shown.waitFor();
    expect(await shown.textContent()).toMatch(/^[A-HJKMNP-Z2-9]{3} [A-HJKMNP-Z2-9]{3}$/);
    code = (await shown.getAttribute('data-code')) as string;
    expect(await shown.getAttribute('aria-label')).toBe([...code].join(' '));
    joinUrl = (await dashboard.locator('#created-code [data-join-link]').getAttribute('href')) as string;
    expect(joinUrl).toBe(`${dockhand.url}/join/?code=${code}&lesson=${first.slug}`);
    await expect.poll(() => dashboard.locator('#workshop-rows tr').count()).toBe(1);
    expect(await dashboard.locator('#workshop-rows .code').textContent()).toBe(await shown.textContent());
    await screenshot(dashboard, 'workshop-created');
    await dashboard.emulateMedia({ colorScheme: 'dark' });
    await screenshot(dashboard, 'workshop-created-dark');
    await dashboard.emulateMedia({ colorScheme: 'light' });

    // The token is kept: a reload goes straight to the page.
    await dashboard.reload();
    await dashboard.locator('#instructor-app').waitFor();
    expect(await dashboard.locator('#token-gate').isHidden()).toBe(true);
  });

  it('three participants join with the link and a name, and land in the first lesson with a prompt', async () => {
    const started = Date.now();
    for (const { name, page } of people) {
      await page.goto(joinUrl);
      expect(await page.getByLabel('Join code').inputValue()).toBe(`${code.slice(0, 3)} ${code.slice(3)}`);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join the workshop' }).click();
      await page.waitForURL(`**/lessons/${first.slug}/`);
    }
    await Promise.all(people.map(({ page }) => waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt', 60_000)));
    timings.threeJoinsToPromptsMs = Date.now() - started;
    for (const { page } of people) {
      const stored = await page.evaluate(
        () => JSON.parse(localStorage.getItem('dockhand.session') ?? 'null') as { id: string; token: string },
      );
      const view = await (
        await fetch(`${dockhand.url}/api/sessions/${stored.id}`, { headers: { authorization: `Bearer ${stored.token}` } })
      ).json();
      expect(view).toMatchObject({ state: 'active', workshop: code });
    }
    // Opening the join link again offers to continue rather than to join twice.
    const ada = person('Ada').page;
    await ada.goto(joinUrl);
    await expect.poll(() => ada.locator('#already-text').textContent()).toBe('You are in this workshop already, as “Ada”.');
    await ada.getByRole('link', { name: 'Continue' }).click();
    await ada.waitForURL(`**/lessons/${first.slug}/`);
    await waitForTerminal(ada, (text) => text.includes(PROMPT), 'the same prompt again');
  });

  it('turns a fourth person away with the seat message, and says so for a wrong code and a taken name', async () => {
    const late = await instructor.newPage();
    try {
      await late.goto(`${dockhand.url}/join/`);
      await late.getByLabel('Join code').fill('zz zzzz');
      await late.getByLabel('Your name').fill('Linus');
      await late.getByRole('button', { name: 'Join the workshop' }).click();
      await expect
        .poll(() => late.locator('#join-error').textContent())
        .toBe('There is no workshop with the code ZZZ ZZZ. Check the code with your instructor.');
      expect(await late.getByLabel('Join code').getAttribute('aria-invalid')).toBe('true');

      await late.getByLabel('Join code').fill(code.toLowerCase());
      await late.getByLabel('Your name').fill('ada');
      await late.getByRole('button', { name: 'Join the workshop' }).click();
      await expect.poll(() => late.locator('#join-error').textContent()).toMatch(/already goes by “ada”/);
      await expect.poll(() => late.evaluate(() => document.activeElement?.id)).toBe('join-name');

      await late.getByLabel('Your name').fill('Linus');
      await late.getByRole('button', { name: 'Join the workshop' }).click();
      await expect
        .poll(() => late.locator('#join-error').textContent())
        .toBe('All 3 seats of this workshop are taken; ask your instructor for room.');
      expect(late.url()).toContain('/join/');
      await screenshot(late, 'join-refused');
      await late.setViewportSize({ width: 360, height: 740 });
      const sideways = await sidewaysOverflow(late);
      expect(
        sideways.pixels,
        `the join page scrolls sideways on a phone; reaching out: ${sideways.culprits.join(' ')}`,
      ).toBeLessThanOrEqual(0);
      await screenshot(late, 'join-refused-narrow');
      await expectRefusals(instructor, [
        { method: 'POST', path: '/api/sessions', status: 404 },
        { method: 'POST', path: '/api/sessions', status: 409 },
        { method: 'POST', path: '/api/sessions', status: 409 },
      ]);
    } finally {
      await late.close();
    }
  });

  it('shows everyone on the live dashboard, names as text, and ticks a solved exercise without a reload', async () => {
    await dashboard.goto(`${dockhand.url}/instructor/`);
    await dashboard.getByRole('link', { name: 'Docker in a day' }).click();
    await dashboard.waitForURL(`**/instructor/workshop/?code=${code}`);
    await expect.poll(() => dashboard.locator('#live-state').textContent()).toBe('Live');
    await expect.poll(() => dashboard.locator('.progress-table tbody tr').count()).toBe(3);
    expect(await dashboard.locator('.participant-name').allTextContents()).toEqual([...NAMES]);
    expect(await dashboard.locator('.progress-table b').count()).toBe(0);
    expect(await dashboard.locator('.lesson-head .lesson-title').allTextContents()).toEqual([first.title, second.title]);
    // Each lesson is one summary column until its button shows its exercises.
    for (const lesson of [first, second]) await dashboard.locator(`.lesson-head[data-lesson="${lesson.slug}"] .lesson-toggle`).click();
    const keys = [...first.exercises, ...second.exercises].map((exercise) => exercise.id);
    expect(
      await dashboard.locator('.exercise-head').evaluateAll((heads) => heads.map((head) => (head as HTMLElement).dataset.key)),
    ).toEqual([
      ...first.exercises.map((exercise) => `${first.slug}/${exercise.id}`),
      ...second.exercises.map((exercise) => `${second.slug}/${exercise.id}`),
    ]);
    expect(keys.length).toBeGreaterThan(0);

    const exercise = first.exercises[0];
    if (!exercise) throw new Error(`the first lesson (${first.slug}) has no exercise.`);
    const cell = row(SOLVER).locator(`td[data-key="${first.slug}/${exercise.id}"]`);
    expect(await cell.getAttribute('data-passed')).toBe('false');
    await dashboard.evaluate(() => {
      (window as { notReloaded?: boolean }).notReloaded = true;
    });
    const started = Date.now();
    for (const line of exercise.solve.split('\n').filter((text) => text.trim()))
      await runAs(SOLVER, line, `${marker}-solved-${started % 1000}`);
    await expect.poll(() => cell.getAttribute('data-passed'), { timeout: 30_000 }).toBe('true');
    timings.solvedToDashboardTickMs = Date.now() - started;
    console.log(`exercise solved in the terminal to the dashboard's tick: ${timings.solvedToDashboardTickMs} ms`);
    expect(await dashboard.evaluate(() => (window as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await row(SOLVER).locator('.total').textContent()).toBe(`1/${keys.length}`);
    expect(await row('Ada').locator('.total').textContent()).toBe(`0/${keys.length}`);
  });

  it('highlights a participant who is stuck, with the reason', async () => {
    const exercise = first.exercises[1];
    if (!exercise) throw new Error(`the first lesson (${first.slug}) needs a second exercise to fail checks on.`);
    const { page } = person('Grace');
    const section = page.locator(`#exercise-${exercise.id}`);
    // Five failed checks since the last pass is one of the server's reasons for "stuck".
    for (let attempt = 0; attempt < 5; attempt++) {
      await Promise.all([
        page.waitForResponse((response) => response.url().includes(`/checks/${first.slug}/${exercise.id}`)),
        section.getByRole('button', { name: 'Check', exact: true }).click(),
      ]);
    }
    const stuck = (name: string) => row(name).evaluate((tr) => tr.classList.contains('stuck'));
    await expect.poll(() => stuck('Grace')).toBe(true);
    expect(await row('Grace').locator('.participant-note').textContent()).toBe('Stuck: 5 failed checks');
    expect(await stuck('Ada')).toBe(false);
    expect(await dashboard.locator('#progress-summary').textContent()).toContain('1 stuck');
    await screenshot(dashboard, 'dashboard-light');
    await dashboard.emulateMedia({ colorScheme: 'dark' });
    await screenshot(dashboard, 'dashboard-dark');
    await dashboard.emulateMedia({ colorScheme: 'light' });
    // On a phone-sized screen the table scrolls inside its own box; the page never scrolls sideways.
    await dashboard.setViewportSize({ width: 420, height: 900 });
    const sideways = await sidewaysOverflow(dashboard);
    expect(sideways.pixels, `the narrow dashboard scrolls sideways; reaching out: ${sideways.culprits.join(' ')}`).toBeLessThanOrEqual(0);
    await screenshot(dashboard, 'dashboard-narrow');
    await dashboard.setViewportSize({ width: 1400, height: 900 });
  });

  it("opens a participant's terminal read-only and follows its output live", async () => {
    await runAs(SOLVER, `echo ${marker}-before`, `${marker}-before-1`);
    const started = Date.now();
    await row(SOLVER)
      .getByRole('button', { name: `Watch ${SOLVER}'s terminal` })
      .click();
    expect(await dashboard.locator('#watch-title').textContent()).toBe(`${SOLVER}'s terminal (read-only)`);
    await expect.poll(watchedText, { timeout: 20_000 }).toContain(`${marker}-before-1`);
    timings.watchOpenToOutputMs = Date.now() - started;
    await runAs(SOLVER, `echo ${marker}-live`, `${marker}-live-2`);
    await expect.poll(watchedText, { timeout: 10_000 }).toContain(`${marker}-live-2`);
    await expect.poll(() => dashboard.locator('#watch-status').getAttribute('data-state')).toBe('connected');

    // Typing into the watched terminal reaches nobody.
    await dashboard.locator('#watch-host .xterm-helper-textarea').focus();
    await dashboard.keyboard.type(`echo ${marker}-intruder`);
    await dashboard.keyboard.press('Enter');
    await runAs(SOLVER, `echo ${marker}-after`, `${marker}-after-3`);
    const solverText = await waitForTerminal(person(SOLVER).page, (text) => text.includes(`${marker}-after-3`), 'the last command');
    expect(solverText).not.toContain(`${marker}-intruder`);
    await screenshot(dashboard, 'dashboard-watching');
  });

  it("sends a message that appears on every participant's page", async () => {
    const message = `Break until 11:15 (${marker})`;
    await dashboard.getByLabel('Message to everyone').fill(message);
    const started = Date.now();
    await dashboard.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => dashboard.locator('#action-status').textContent()).toBe('Message sent to 3 participants.');
    for (const { page } of people) await expect.poll(() => page.getByText(message).first().isVisible(), { timeout: 10_000 }).toBe(true);
    timings.broadcastToAllPagesMs = Date.now() - started;
    await screenshot(person('Ada').page, 'participant-broadcast');
  });

  it('downloads the results as CSV, and they match the table', async () => {
    const [download] = await Promise.all([
      dashboard.waitForEvent('download'),
      dashboard.getByRole('button', { name: 'Export results (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`workshop-${code}.csv`);
    const [header, ...rows] = parseCsv(readFileSync(await download.path(), 'utf8'));
    const keys = await dashboard.locator('.exercise-head').evaluateAll((heads) => heads.map((head) => (head as HTMLElement).dataset.key));
    const zone = await dashboard.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(header).toEqual(['name', 'state', `joined (${zone})`, 'passed', ...keys]);
    const table = await dashboard.locator('.progress-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        name: tr.querySelector('.participant-name')?.textContent,
        passed: tr.querySelector('.total')?.textContent?.split('/')[0],
        cells: [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => td.dataset.passed === 'true'),
      })),
    );
    expect(rows.map((cells) => ({ name: cells[0], passed: cells[3], cells: cells.slice(4).map((at) => at !== '') }))).toEqual(table);
    expect(rows.every((cells) => cells[1] === 'active')).toBe(true);
    expect(table.filter((participant) => participant.passed === '1').map((participant) => participant.name)).toEqual([SOLVER]);
  });

  it('ends the workshop after a confirmation, and the participants are told their session ended', async () => {
    await dashboard.getByRole('button', { name: 'End workshop…' }).click();
    const dialog = dashboard.locator('#end-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Keep it running' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await dashboard.locator('#workshop-state').textContent()).toBe('Running');

    await dashboard.getByRole('button', { name: 'End workshop…' }).click();
    await screenshot(dashboard, 'dashboard-end-confirmation');
    const started = Date.now();
    await dialog.getByRole('button', { name: 'End the workshop' }).click();
    await expect
      .poll(() => dashboard.locator('#action-status').textContent(), { timeout: 30_000 })
      .toBe('The workshop has ended: 3 sandboxes were removed.');
    expect(await dashboard.locator('#workshop-state').textContent()).toBe('Ended');
    expect(await dashboard.getByRole('button', { name: 'Extend' }).isDisabled()).toBe(true);
    for (const { page } of people) {
      await expect
        .poll(() => page.locator('#session-banner .message').textContent(), { timeout: 20_000 })
        .toBe('The workshop has ended, and your sandbox with it.');
    }
    timings.endToParticipantsToldMs = Date.now() - started;
    await expect.poll(() => dashboard.locator('.participant-note').allTextContents()).toEqual(NAMES.map(() => 'Session ended'));
    await expect.poll(() => dashboard.locator('#watch-status').textContent(), { timeout: 20_000 }).toBe('Their session has ended.');
    await screenshot(dashboard, 'dashboard-ended');
    await screenshot(person('Ada').page, 'participant-ended');
    const refused = await fetch(`${dockhand.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workshop: code, name: 'Late' }),
    });
    expect(refused.status).toBe(410);

    // "Forget token" leaves nothing behind in this browser.
    await dashboard.getByRole('button', { name: 'Forget token' }).click();
    await dashboard.getByLabel('Admin token', { exact: true }).waitFor();
    expect(await dashboard.evaluate(() => localStorage.getItem('dockhand.admin-token'))).toBeNull();
    expect(await dashboard.locator('#dashboard').isHidden()).toBe(true);
  });
});
