// A new learner's first visit, in a real browser against a real Dockhand: the home page, the first
// lesson, its terminal, a runnable block, an exercise that ticks by itself, a reload, the editor, the
// web preview, the sandbox ending, and screenshots of the lesson page in both themes and both widths.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { BUDGET_BYTES, measureLessonPages } from '../../site/budget.ts';
import {
  ARTIFACTS_DIR,
  launchBrowser,
  screenshot,
  type TestBrowser,
  terminalCommands,
  terminalText,
  waitForTerminal,
} from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROMPT = 'learner@dockhand';
const quiet = () => {};
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-'));
const marker = `e2e-${Math.random().toString(36).slice(2, 8)}`;
const timings: Record<string, number> = {};

let dockhand: Dockhand;
let browser: TestBrowser;
let page: Page;
let first: Lesson;
/** Every URL the browser asked for, in order. */
const requested: string[] = [];

const exerciseState = (id: string) => page.locator(`#exercise-${id} .exercise-state`);
const storedSession = () =>
  page.evaluate(() => JSON.parse(localStorage.getItem('dockhand.session') ?? 'null') as { id: string; token: string });

async function waitFor(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrastRatio(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r = 0, g = 0, bl = 0] = (color.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((channel) => {
      const c = channel / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Runs a command as a learner types it and waits until it finished. */
const run = terminalCommands(() => page, marker);

/** Waits until a command that was started another way (a Run button) has shown itself and then a new prompt. */
async function waitForCommand(command: string): Promise<string> {
  const firstLine = (command.split('\n')[0] as string).slice(0, 40);
  let echoed = false;
  return waitForTerminal(
    page,
    (text) => {
      const lines = text.split('\n').filter((line) => line.trim());
      echoed ||= lines.some((line) => line.includes(PROMPT) && line.includes(firstLine));
      const last = lines.at(-1) ?? '';
      return echoed && last.includes(PROMPT) && !last.includes(firstLine);
    },
    `the end of \`${firstLine}\``,
    60_000,
  );
}

beforeAll(async () => {
  const course = await loadCourse(path.join(ROOT, 'lessons'));
  const lesson = course.lessons[0];
  if (!lesson) throw new Error('the course has no lessons; the end-to-end test walks through the first one.');
  first = lesson;
  await ensureSiteBuilt(ROOT, quiet);
  browser = await launchBrowser();
});

afterEach(() => {
  // Every step must leave the console clean: an error there is a bug a learner would meet.
  const errors = browser.errors.splice(0);
  expect(errors).toEqual([]);
});

afterAll(async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(path.join(ARTIFACTS_DIR, 'e2e-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  await browser?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the built site', () => {
  it('loads at most 250 KB (gzip) of JavaScript on a lesson page before the editor opens', async () => {
    const pages = await measureLessonPages(path.join(ROOT, 'dist'));
    expect(pages.length).toBeGreaterThan(0);
    for (const measured of pages) expect(measured.totalGzipBytes, measured.page).toBeLessThanOrEqual(BUDGET_BYTES);
    timings.lessonPageJsGzipBytes = Math.max(...pages.map((measured) => measured.totalGzipBytes));
  });
});

describe('a new learner', () => {
  beforeAll(async () => {
    dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: path.join(stateDir, 'learner') }), quiet);
    await waitFor(() => dockhand.pool.stats().ready === 1, 'a warm sandbox in the pool', 60_000);
    page = await browser.newPage();
    page.on('request', (request) => requested.push(request.url()));
  });

  // Two servers of one instance would each take the other's sandboxes for orphans: one at a time.
  afterAll(async () => {
    await page?.close();
    await dockhand?.close();
  });

  it('sees what Dockhand is, the course, and a way in for instructors on the home page', async () => {
    await page.goto(`${dockhand.url}/`);
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/docker/i);
    const course = await loadCourse(path.join(ROOT, 'lessons'));
    expect(await page.locator('.course-item').count()).toBe(course.lessons.length);
    expect(await page.locator('a[href="/instructor/"]').count()).toBeGreaterThan(0);
    await screenshot(page, 'home-wide');
  });

  it('opens the first lesson, readable at once, and its terminal reaches a prompt', async () => {
    const started = Date.now();
    await page.locator(`.course-item a[href="/lessons/${first.slug}/"]`).click();
    await page.waitForURL(`**/lessons/${first.slug}/`);
    expect(await page.locator('h1').textContent()).toBe(first.title);
    timings.lessonReadableMs = Date.now() - started;
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt');
    timings.lessonToPromptMs = Date.now() - started;
    console.log(`lesson page to interactive prompt: ${timings.lessonToPromptMs} ms`);
    expect(await page.locator('#tab-terminal-1 .connection').getAttribute('data-state')).toBe('connected');
    expect(await page.locator('section.exercise').count()).toBe(first.exercises.length);
  });

  it('runs a runnable block with one click and shows its output', async () => {
    const block = page.locator('.code-block[data-exec]').first();
    const command = (await block.getAttribute('data-code')) as string;
    await block.locator('[data-code-action="run"]').click();
    const text = await waitForCommand(command);
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.includes(PROMPT) && line.includes(command.split('\n')[0] as string));
    const output = lines.slice(at + 1).filter((line) => line.trim() && !line.includes(PROMPT));
    expect(output.length, `the command printed something:\n${text}`).toBeGreaterThan(0);
  });

  it('ticks the exercise the learner solves, without a reload', async () => {
    const exercise = first.exercises[0];
    if (!exercise) throw new Error(`the first lesson (${first.slug}) has no exercise to solve.`);
    await page.evaluate(() => {
      (window as { notReloaded?: boolean }).notReloaded = true;
    });
    expect(await exerciseState(exercise.id).textContent()).not.toBe('Passed');
    // A runnable block of the lesson that solves it, or else the learner types the solve script.
    const blocks = await page
      .locator('.code-block[data-exec]')
      .evaluateAll((found) => found.map((block) => (block as HTMLElement).dataset.code ?? ''));
    const solving = blocks.findIndex((code) => code.trim() && exercise.solve.includes(code.trim()));
    if (solving >= 0) {
      await page.locator('.code-block[data-exec]').nth(solving).locator('[data-code-action="run"]').click();
      await waitForCommand(blocks[solving] as string);
    } else for (const line of exercise.solve.split('\n').filter((line) => line.trim())) await run(line);
    await expect.poll(() => exerciseState(exercise.id).textContent(), { timeout: 30_000 }).toBe('Passed');
    expect(await page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await page.locator('#lesson-progress .count').textContent()).toMatch(/^1 of \d+ exercises? done$/);
    await run(`echo ${marker}-scrollback`);
  });

  it("keeps the terminal's scrollback and the tick across a reload", async () => {
    const exercise = first.exercises[0] as Lesson['exercises'][number];
    await page.reload();
    await waitForTerminal(
      page,
      (text) => text.includes(`${marker}-scrollback`) && text.includes(PROMPT),
      'the output from before the reload',
    );
    await expect.poll(() => exerciseState(exercise.id).textContent(), { timeout: 10_000 }).toBe('Passed');
  });

  it('checks an exercise on demand, shows hints one at a time, and the solution after a confirmation', async () => {
    const exercise = first.exercises.find((candidate, index) => index > 0 && candidate.hints.length > 0);
    if (!exercise) throw new Error(`the first lesson (${first.slug}) has no second exercise with hints.`);
    const section = page.locator(`#exercise-${exercise.id}`);
    await section.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => section.locator('.exercise-message').textContent(), { timeout: 30_000 }).toMatch(/^[A-Z].{10,}/);
    expect(await section.locator('.exercise-state').textContent()).toBe('Not yet');
    expect(await section.locator('.exercise-hint:not([hidden])').count()).toBe(0);
    await section.locator('.hint-button').click();
    expect(await section.locator('.exercise-hint:not([hidden])').count()).toBe(1);
    await section.getByRole('button', { name: 'Show the solution' }).click();
    await section.getByRole('button', { name: 'Not yet' }).click();
    expect(await section.locator('.exercise-solution').textContent()).toBe('');
    await section.getByRole('button', { name: 'Show the solution' }).click();
    await section.getByRole('button', { name: 'Yes, show it' }).click();
    const solve = section.locator('.exercise-solution .solve .code-block[data-exec]');
    await solve.waitFor();
    expect(await solve.getAttribute('data-code')).toBe(exercise.solve.replace(/\n$/, ''));
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'exercise');
  });

  it("shows the learner's progress on the home page", async () => {
    await page.goto(`${dockhand.url}/`);
    const progress = page.locator(`.course-item[data-lesson="${first.slug}"] .progress`);
    await expect.poll(() => progress.textContent()).toMatch(/done/);
    await page.locator(`.course-item a[href="/lessons/${first.slug}/"]`).click();
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt');
  });

  it('pastes into the terminal with the keyboard', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dockhand.url });
    await page.evaluate((text) => navigator.clipboard.writeText(text), `echo ${marker}-pasted`);
    await page.locator('#panel-terminal-1 .xterm-helper-textarea').focus();
    await page.keyboard.press('Control+V');
    await page.keyboard.press('Enter');
    await waitForTerminal(
      page,
      (text) => text.split('\n').filter((line) => line.includes(`${marker}-pasted`)).length >= 2,
      'the pasted command and its output',
    );
  });

  it('opens a starter file in the editor, saves an edit, and cat in the terminal shows it', async () => {
    const monaco = () => requested.filter((url) => /\/_astro\/editor-monaco\.[^/]+\.js$/.test(url));
    expect(monaco(), 'the editor is not loaded before its tab opens').toEqual([]);
    await page.locator('#tab-editor').click();
    let file = first.starter[0];
    if (!file) {
      file = 'e2e-notes.txt';
      await page.locator('#tab-terminal-1').click();
      await run(`echo starter > ${file}`);
      await page.locator('#tab-editor').click();
    }
    await page.locator('.file-tree .file-entry').first().waitFor({ timeout: 20_000 });
    const parts = file.split('/');
    for (const dir of parts.slice(0, -1)) await page.locator('.file-tree .file-entry.dir', { hasText: dir }).first().click();
    await page.locator(`.file-tree [data-path="${file}"]`).click();
    await page.locator('.editor-host .view-lines').waitFor({ timeout: 30_000 });
    expect(monaco().length).toBe(1);
    await expect.poll(() => page.locator('.editor-panel .file-name').textContent()).toBe(file);
    await page.locator('.editor-host .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type(`${marker}-edited`);
    await expect.poll(() => page.locator('.editor-panel .file-name').textContent()).toBe(`${file} ●`);
    await page.keyboard.press('Control+S');
    await expect.poll(() => page.locator('.editor-status').textContent(), { timeout: 10_000 }).toBe(`Saved ${file}.`);
    await screenshot(page, 'editor');
    expect(await page.locator('.editor-panel .file-name').textContent()).toBe(file);
    await page.locator('#tab-terminal-1').click();
    await run(`cat ${file}`);
    await waitForTerminal(page, (text) => text.includes(`${marker}-edited`), 'the edit saved in the editor');
  });

  it('opens a published port through the web preview', async () => {
    const port = 8085;
    const serve = `mkdir -p /www && echo ${marker}-preview > /www/index.html && httpd -f -p 8000 -h /www`;
    await run(`docker run -d --name e2e-web -p ${port}:8000 busybox sh -c '${serve}'`);
    const link = page.locator('.port-list a', { hasText: `Port ${port}` });
    await link.waitFor({ timeout: 20_000 });
    const [preview] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    await preview.waitForLoadState();
    await expect.poll(() => preview.locator('body').textContent(), { timeout: 15_000 }).toContain(`${marker}-preview`);
    expect(new URL(preview.url()).pathname).toBe(`/sessions/${(await storedSession()).id}/preview/${port}/`);
    await preview.close();
  });

  it('opens a second terminal as a tab, a separate shell', async () => {
    await page.locator('#new-terminal').click();
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt in terminal 2', 30_000, 2);
    await run(`echo ${marker}-second`, 2);
    expect(await terminalText(page, 1)).not.toContain(`${marker}-second`);
  });

  it('looks right in light and dark, wide and narrow, and the divider works with the keyboard', async () => {
    await page.locator('#tab-terminal-1').click();
    const divider = page.locator('#divider');
    const before = Number(await divider.getAttribute('aria-valuenow'));
    await divider.focus();
    await page.keyboard.press('ArrowLeft');
    expect(Number(await divider.getAttribute('aria-valuenow'))).toBe(before - 5);
    await page.keyboard.press('ArrowRight');
    await page.getByRole('button', { name: 'More settings and actions' }).click();
    await page.getByLabel('Screen reader mode').check();
    await page.locator('#panel-terminal-1 .xterm-accessibility-tree').waitFor({ state: 'attached' });
    await page.getByLabel('Screen reader mode').uncheck();
    const pageColors: Record<string, { fg: string; bg: string }> = {};
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // The screenshots are for people; this is what fails when a theme breaks: readable text on its own background.
      const colors = await page.evaluate(() => {
        const painted = [document.body, document.documentElement].map((element) => getComputedStyle(element).backgroundColor);
        return {
          fg: getComputedStyle(document.body).color,
          bg: painted.find((color) => !/rgba\(0, 0, 0, 0\)|transparent/.test(color)) ?? '',
        };
      });
      expect(contrastRatio(colors.fg, colors.bg), `${scheme}: ${colors.fg} on ${colors.bg}`).toBeGreaterThanOrEqual(4.5);
      pageColors[scheme] = colors;
      for (const [width, size] of [
        ['wide', { width: 1400, height: 900 }],
        ['narrow', { width: 420, height: 900 }],
        // A 1280×900 screen zoomed to 200%.
        ['zoomed', { width: 640, height: 450 }],
      ] as const) {
        await page.setViewportSize(size);
        // The terminal refits to its new width a moment after the window changes.
        await expect
          .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), {
            message: `the ${width} page scrolls sideways`,
            timeout: 5_000,
          })
          .toBeLessThanOrEqual(0);
        // Narrow, the lesson and the workspace are two panes with a switch at the top.
        if (width !== 'wide') await page.getByRole('button', { name: 'Lesson', exact: true }).click();
        await page.evaluate(() => document.getElementById('main')?.scrollTo(0, 0));
        await screenshot(page, `lesson-${scheme}-${width}`);
        if (width !== 'wide') {
          await page.getByRole('button', { name: 'Terminal', exact: true }).click();
          await screenshot(page, `lesson-${scheme}-${width}-workspace`);
          await page.getByRole('button', { name: 'Lesson', exact: true }).click();
          await page.evaluate(() => window.scrollTo(0, 0));
        }
      }
    }
    expect(pageColors.dark?.bg).not.toBe(pageColors.light?.bg);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('is told plainly when the sandbox is gone, and can start a new one', async () => {
    const session = await storedSession();
    const ended = await fetch(`${dockhand.url}/api/sessions/${session.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
    });
    expect(ended.status).toBe(200);
    // Ended by a request of its own, not from this page: the page does not say the learner ended it here.
    await expect
      .poll(() => page.locator('#session-banner .message').textContent(), { timeout: 20_000 })
      .toBe('This sandbox was ended from another tab or device.');
    await expect.poll(() => page.locator('#panel-terminal-1 .terminal-status').getAttribute('data-state')).toBe('ended');
    await page.locator('#session-banner .session-action', { hasText: 'Start a new sandbox' }).click();
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt in the new sandbox', 60_000);
    expect((await storedSession()).id).not.toBe(session.id);
  });
});

describe('a learner who walks away', () => {
  let short: Dockhand;

  beforeAll(async () => {
    const idle = { DOCKHAND_IDLE_TIMEOUT: '6s', DOCKHAND_TIMEOUT_WARNING: '4s', DOCKHAND_SWEEP_INTERVAL: '200ms' };
    short = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: path.join(stateDir, 'idle'), ...idle }), quiet);
  });

  afterAll(async () => {
    await short?.close();
  });

  it('is warned, then told plainly that the idle sandbox was removed', async () => {
    const idlePage = await browser.newPage();
    try {
      await idlePage.goto(`${short.url}/lessons/${first.slug}/`);
      await waitForTerminal(idlePage, (text) => text.includes(PROMPT), 'a prompt');
      const banner = idlePage.locator('#session-banner');
      await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toBe('warning');
      expect(await banner.locator('.session-action').textContent()).toBe('Keep my sandbox');
      await expect
        .poll(() => banner.locator('.message').textContent(), { timeout: 20_000 })
        .toBe('Your sandbox was removed after 6 seconds without activity.');
      expect(await banner.locator('.session-action').textContent()).toBe('Start a new sandbox');
      await expect.poll(() => idlePage.locator('#panel-terminal-1 .terminal-status').getAttribute('data-state')).toBe('ended');
    } finally {
      await idlePage.close();
    }
  });
});
