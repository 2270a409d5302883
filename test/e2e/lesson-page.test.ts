// The lesson page's fixes from a learner's walk, in Chromium against a real Dockhand: error pages a
// person can read (unknown lesson, a preview where nothing listens, an ended or expired preview), the
// editor creating, renaming and following the terminal (asking before it replaces unsaved edits, saving
// with a final newline), a tick noticed beside the terminal, the keyboard way into the terminal and
// back to the Run button, the lesson and terminal as two panes on a phone, and plain words once the
// sandbox is gone. Screenshots in light and dark, wide and narrow, go to test-artifacts/.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api } from '../../scripts/lib/api.ts';
import { launchBrowser, screenshot, type TestBrowser, terminalCommands, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROMPT = 'learner@dockhand';
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-lesson-'));
const marker = `lp-${Math.random().toString(36).slice(2, 8)}`;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1400, height: 900 };

let dockhand: Dockhand;
let browser: TestBrowser;
let page: Page;
let first: Lesson;

const stored = () => page.evaluate(() => JSON.parse(localStorage.getItem('dockhand.session') ?? 'null') as { id: string; token: string });
const editorText = () =>
  page
    .locator('.editor-host .view-lines')
    .evaluate((lines) =>
      [...lines.querySelectorAll('.view-line')].map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n'),
    );

/** Types a command in terminal 1 and waits until it finished. */
const run = terminalCommands(() => page, marker);

/** Takes the lines a deliberate error status leaves in the browser's log (once they arrived); anything else stays and fails the test. */
async function forgetRefusals(status: number): Promise<void> {
  await expect.poll(() => browser.errors.some((line) => line.includes(`answered ${status}`)), { timeout: 5_000 }).toBe(true);
  // Chromium's own console line about the same response comes on its own time.
  await expect.poll(() => browser.errors.some((line) => line.includes(`status of ${status}`)), { timeout: 5_000 }).toBe(true);
  for (let i = browser.errors.length - 1; i >= 0; i--) {
    const line = browser.errors[i] as string;
    if (line.includes(`answered ${status}`) || line.includes(`status of ${status}`)) browser.errors.splice(i, 1);
  }
}

/** Screenshots in both themes, at the current size. */
async function bothThemes(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await screenshot(page, `${name}-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

beforeAll(async () => {
  first = (await loadCourse(path.join(ROOT, 'lessons'))).lessons[0] as Lesson;
  await ensureSiteBuilt(ROOT, () => {});
  dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir }), () => {});
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterEach(() => {
  expect(browser.errors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a page that is not there', () => {
  it("is the site's own page for a person, with the header and the way back, and JSON for a program", async () => {
    const response = await page.goto(`${dockhand.url}/lessons/no-such-lesson/`);
    expect(response?.status()).toBe(404);
    await forgetRefusals(404);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    expect(await page.locator('#not-found-reason').textContent()).toBe(
      'There is no lesson called “no-such-lesson”. Pick one from the course below.',
    );
    expect(await page.locator('.site-header .brand').getAttribute('href')).toBe('/');
    expect(await page.getByRole('link', { name: 'Back to the course' }).getAttribute('href')).toBe('/');
    expect(await page.locator(`.course-item a[href="/lessons/${first.slug}/"]`).count()).toBe(1);
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      await bothThemes(`not-found-${size.width}`);
    }
    await page.setViewportSize(DESKTOP);
    const program = await fetch(`${dockhand.url}/lessons/no-such-lesson/`);
    expect(program.status).toBe(404);
    expect(await program.json()).toEqual({ error: 'nothing at /lessons/no-such-lesson/', code: 'not_found' });
  });
});

describe('a learner on a lesson page', () => {
  it('opens the lesson, and its terminal reaches a prompt', async () => {
    await page.goto(`${dockhand.url}/lessons/${first.slug}/`);
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt', 60_000);
  });

  it('gets into the terminal with a skip link, and back to the Run button with Shift+Tab after Run', async () => {
    // The page's first stop is the skip link to the content; the next one leads to the terminal.
    await page.locator('.skip-link').first().focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the terminal');
    expect(await page.locator('#skip-to-terminal').isVisible()).toBe(true);
    await screenshot(page, 'skip-link');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea'))).toBe(true);

    const block = page.locator('.code-block[data-exec]').first();
    const runButton = block.locator('[data-code-action="run"]');
    await runButton.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea'))).toBe(true);
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.codeAction)).toBe('run');
    expect(await runButton.evaluate((button) => button === document.activeElement)).toBe(true);
  });

  it('never hides the end of a long command under the Copy and Run buttons', async () => {
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      if (size === PHONE) await page.getByRole('button', { name: 'Lesson', exact: true }).click();
      const hidden = await page.locator('.code-block[data-exec]').evaluateAll((blocks) =>
        blocks.flatMap((block) => {
          const pre = block.querySelector('pre') as HTMLElement;
          const actions = (block.querySelector('.code-actions') as HTMLElement).getBoundingClientRect();
          const text = pre.getBoundingClientRect();
          const overlaps =
            text.right > actions.left + 1 && text.bottom > actions.top + 1 && text.top < actions.bottom - 1 && actions.width > 0;
          return pre.scrollWidth > pre.clientWidth || overlaps ? [(block as HTMLElement).dataset.code ?? ''] : [];
        }),
      );
      expect(hidden, `at ${size.width} px`).toEqual([]);
    }
    await page.setViewportSize(DESKTOP);
  });

  it('notices a tick in a small corner away from the workspace, announced politely, and closes it on request', async () => {
    const exercise = first.exercises[0];
    if (!exercise) throw new Error(`the first lesson (${first.slug}) has no exercise`);
    // Reading elsewhere: the exercise box is scrolled away.
    await page.evaluate(() => document.getElementById('main')?.scrollTo(0, 0));
    for (const line of exercise.solve.split('\n').filter((line) => line.trim())) await run(line);
    const notice = page.locator('#tick-notice');
    await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toContain(`Passed: ${exercise.title}`);
    expect(await notice.getAttribute('aria-live')).toBe('polite');
    expect(await notice.getAttribute('role')).toBe('status');
    expect(await notice.isVisible()).toBe(true);
    // Held open while it has the focus, as a learner reading it would.
    await notice.getByRole('button', { name: 'Close this notice' }).focus();
    // Nothing of the workspace (terminal, toolbar, editor's Save, preview buttons, messages) lies under it.
    const overlap = (what: string) =>
      page.evaluate((selector) => {
        const a = (document.getElementById('tick-notice') as HTMLElement).getBoundingClientRect();
        return [...document.querySelectorAll(selector)].some((element) => {
          const b = element.getBoundingClientRect();
          return b.width > 0 && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        });
      }, what);
    expect(await overlap('#workspace')).toBe(false);
    await bothThemes('tick-notice-wide');
    await page.setViewportSize(PHONE);
    await page.locator('#pane-switch button', { hasText: 'Terminal' }).click();
    await notice.getByRole('button', { name: 'Close this notice' }).focus();
    expect(await overlap('#workspace .workspace-bar, #panel-terminal-1 .xterm-rows > div')).toBe(false);
    await bothThemes('tick-notice-phone');
    await page.setViewportSize(DESKTOP);
    await notice.getByRole('button', { name: 'Close this notice' }).click();
    expect(await notice.textContent()).toBe('');
  });

  it('goes to the exercise from the notice of its tick', async () => {
    const exercise = first.exercises[1];
    if (!exercise) throw new Error(`the first lesson (${first.slug}) has no second exercise`);
    await page.evaluate(() => document.getElementById('main')?.scrollTo(0, 0));
    for (const line of exercise.solve.split('\n').filter((line) => line.trim())) await run(line);
    const notice = page.locator('#tick-notice');
    await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toContain(`Passed: ${exercise.title}`);
    await notice.getByRole('button', { name: 'Show' }).click();
    await expect
      .poll(() => page.locator(`#exercise-${exercise.id} .exercise-title`).evaluate((title) => title === document.activeElement))
      .toBe(true);
    expect(await notice.textContent()).toBe('');
  });

  it('creates a file and a folder in the editor, and saves with a final newline', async () => {
    await page.locator('#tab-editor').click();
    // Loaded and listed: the workspace's entries (or that it is empty) show.
    await page.locator('.file-tree li').first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByLabel('New folder (a path in your workspace)').fill(`${marker}-dir`);
    await page.keyboard.press('Enter');
    await page.locator(`.file-tree .file-entry.dir[data-path="${marker}-dir"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('.editor-status').textContent()).toBe(`Created ${marker}-dir.`);
    // The new folder is selected and open: a new file goes into it.
    await page.getByRole('button', { name: 'New file' }).click();
    expect(await page.getByLabel('New file (a path in your workspace)').inputValue()).toBe(`${marker}-dir/`);
    await page.keyboard.type('notes.txt');
    await bothThemes('editor-new-file');
    await page.keyboard.press('Enter');
    const file = `${marker}-dir/notes.txt`;
    await expect.poll(() => page.locator('.editor-panel .file-name').textContent(), { timeout: 15_000 }).toBe(file);
    await page.locator('.editor-host .view-lines').click();
    await page.keyboard.type('no newline typed');
    await page.keyboard.press('Control+S');
    await expect.poll(() => page.locator('.editor-status').textContent(), { timeout: 15_000 }).toBe(`Saved ${file}.`);
    // A name already taken is refused in words, and nothing is replaced.
    await page.getByRole('button', { name: 'New file' }).click();
    await page.keyboard.type('notes.txt');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('.editor-status').textContent(), { timeout: 15_000 })
      .toMatch(/already exists in the workspace; choose another name\.$/);
    await forgetRefusals(409);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#tab-terminal-1').click();
    // Without offsets (-An), so the final newline follows the last letter whatever the line it falls on.
    const text = await run(`od -An -c ${file} | head -2`);
    expect(text).toMatch(/t\s+y\s+p\s+e\s+d\s+\\n/);
  });

  it('renames the open file, which stays open under its new name', async () => {
    await page.locator('#tab-editor').click();
    const from = `${marker}-dir/notes.txt`;
    const to = `${marker}-dir/renamed.txt`;
    await page.locator(`.file-tree [data-path="${from}"]`).click();
    await page.getByRole('button', { name: 'Rename' }).click();
    const input = page.getByLabel(`New name for ${from}`);
    expect(await input.inputValue()).toBe(from);
    await input.fill(to);
    await page.keyboard.press('Enter');
    await page
      .locator(`.file-tree [data-path="${to}"]`)
      .waitFor({ timeout: 15_000 })
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\nthe editor said: ${await page.locator('.editor-status').textContent()}`);
      });
    expect(await page.locator(`.file-tree [data-path="${from}"]`).count()).toBe(0);
    expect(await page.locator('.editor-panel .file-name').textContent()).toBe(to);
    expect(await page.locator('.editor-status').textContent()).toBe(`Renamed ${from} to ${to}.`);
    await page.locator('#tab-terminal-1').click();
    expect(await run(`ls ${marker}-dir`)).toMatch(/^renamed\.txt$/m);
  });

  it('follows the terminal: a new file is listed and the open file reloads when it changes there', async () => {
    const file = `${marker}-dir/renamed.txt`;
    await run(`echo from the terminal > ${file} && touch ${marker}-dir/made-in-terminal.txt`);
    await page.locator('#tab-editor').click();
    await page.locator(`.file-tree [data-path="${marker}-dir/made-in-terminal.txt"]`).waitFor({ timeout: 15_000 });
    await expect.poll(() => editorText(), { timeout: 15_000 }).toContain('from the terminal');
    expect(await page.locator('.editor-status').textContent()).toBe(`Reloaded ${file}: it changed in your sandbox.`);
    expect(await page.locator('.editor-panel .file-name').textContent()).toBe(file);
  });

  it('asks before replacing unsaved edits with what the terminal wrote', async () => {
    const file = `${marker}-dir/renamed.txt`;
    await page.locator('.editor-host .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('my unsaved words');
    await expect.poll(() => page.locator('.editor-panel .file-name').textContent(), { timeout: 15_000 }).toBe(`${file} ●`);
    await page.locator('#tab-terminal-1').click();
    await run(`echo rewritten in the terminal > ${file}`);
    await page.locator('#tab-editor').click();
    const prompt = page.locator('.disk-changed');
    await prompt.waitFor({ timeout: 10_000 });
    expect(await prompt.locator('.disk-changed-message').textContent()).toBe(
      `${file} changed in your sandbox since you opened it, and you have unsaved edits.`,
    );
    expect(await editorText()).toContain('my unsaved words');
    await bothThemes('editor-changed-on-disk');
    await prompt.getByRole('button', { name: 'Load the new version' }).click();
    await expect.poll(() => editorText(), { timeout: 15_000 }).toContain('rewritten in the terminal');
    expect(await editorText()).not.toContain('my unsaved words');
    expect(await page.locator('.editor-panel .file-name').textContent()).toBe(file);
    expect(await prompt.isHidden()).toBe(true);
    await page.locator('#tab-terminal-1').click();
  });

  it('on a phone, shows the lesson and the terminal as two panes; Run switches, and back keeps the place', async () => {
    await page.setViewportSize(PHONE);
    await page.getByRole('button', { name: 'Lesson', exact: true }).click();
    const lessonPane = page.locator('#main');
    const workspace = page.locator('#workspace');
    expect(await page.locator('#pane-switch').isVisible()).toBe(true);
    expect(await lessonPane.isVisible()).toBe(true);
    expect(await workspace.isVisible()).toBe(false);
    const block = page.locator('.code-block[data-exec]').nth(1);
    await block.scrollIntoViewIfNeeded();
    const command = ((await block.getAttribute('data-code')) as string).split('\n')[0] as string;
    const place = await page.evaluate(() => scrollY);
    expect(place).toBeGreaterThan(100);
    await bothThemes('phone-lesson');
    await block.locator('[data-code-action="run"]').click();
    await expect.poll(() => workspace.isVisible()).toBe(true);
    expect(await lessonPane.isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Terminal', exact: true }).getAttribute('aria-pressed')).toBe('true');
    // A phone-wide terminal wraps the command over rows.
    await waitForTerminal(page, (text) => text.replace(/\n/g, '').includes(command), 'the command Run typed');
    await bothThemes('phone-terminal');
    await page.getByRole('button', { name: 'Lesson', exact: true }).click();
    expect(await lessonPane.isVisible()).toBe(true);
    expect(await page.evaluate(() => scrollY)).toBe(place);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await page.setViewportSize(DESKTOP);
    expect(await lessonPane.isVisible()).toBe(true);
    expect(await workspace.isVisible()).toBe(true);
    expect(await page.locator('#pane-switch').isVisible()).toBe(false);
    await bothThemes('lesson-wide');
  });
});

describe('previews that cannot show the app', () => {
  it('says in words that nothing answers on the port yet, then that the preview has ended, or expired', async () => {
    const session = await stored();
    const ticket = await api(dockhand.url, 'POST', `/api/sessions/${session.id}/tickets`, {
      token: session.token,
      body: { purpose: 'preview' },
    });
    const preview = await browser.newPage();
    const url = `${dockhand.previewUrl}/sessions/${session.id}/preview/8080/`;
    const nothing = await preview.goto(`${url}?ticket=${ticket.body.ticket}`);
    expect(nothing?.status()).toBe(502);
    expect(await preview.locator('h1').textContent()).toBe('Nothing answers on port 8080 yet');
    expect(await preview.locator('.lead').textContent()).toMatch(
      /^Nothing answers on port 8080 in your sandbox yet: start your server and reload\./,
    );
    expect(await preview.getByRole('link', { name: 'Reload' }).getAttribute('href')).toBe(new URL(url).pathname);
    expect(await preview.locator('header').textContent()).toContain('Dockhand');
    for (const scheme of ['light', 'dark'] as const) {
      await preview.emulateMedia({ colorScheme: scheme });
      await preview.setViewportSize(PHONE);
      await screenshot(preview, `preview-nothing-phone-${scheme}`);
      await preview.setViewportSize(DESKTOP);
      await screenshot(preview, `preview-nothing-wide-${scheme}`);
    }
    // An API client still gets JSON.
    const program = await fetch(url, { headers: { authorization: `Bearer ${session.token}` } });
    expect(program.status).toBe(502);
    expect(((await program.json()) as { error: string }).error).toContain('nothing is listening on port 8080 in the sandbox');

    // Another browser, without the preview's cookie: the link has expired.
    const stranger = await launchBrowser();
    try {
      const page2 = await stranger.newPage();
      expect((await page2.goto(url))?.status()).toBe(401);
      expect(await page2.locator('h1').textContent()).toBe('This preview link has expired');
    } finally {
      await stranger.close();
    }

    expect((await api(dockhand.url, 'DELETE', `/api/sessions/${session.id}`, { token: session.token })).status).toBe(200);
    expect((await preview.reload())?.status()).toBe(410);
    expect(await preview.locator('h1').textContent()).toBe('This preview has ended');
    await screenshot(preview, 'preview-ended');
    await preview.close();
    for (const status of [410, 502]) await forgetRefusals(status);
  });
});

describe('after the sandbox is gone', () => {
  it('says so on the Check button, on Run and in the editor, not "wait for the terminal"', async () => {
    // Ended by an API call, not by this page: the page does not claim the learner ended it here.
    const gone = 'This sandbox was ended from another tab or device.';
    await expect.poll(() => page.locator('#session-banner .message').textContent(), { timeout: 20_000 }).toBe(gone);
    const exercise = page.locator('dockhand-exercise').nth(1);
    await exercise.getByRole('button', { name: 'Check' }).click();
    expect(await exercise.locator('.exercise-message').textContent()).toBe(`${gone} Start a new sandbox (above the terminal) to go on.`);
    const runButton = page.locator('.code-block[data-exec] [data-code-action="run"]').first();
    await runButton.click();
    expect(await runButton.textContent()).toBe('Sandbox ended');
    await page.locator('#tab-editor').click();
    expect(await page.locator('.editor-status').textContent()).toBe(`${gone} Start a new sandbox (above the terminal) to go on.`);
    await bothThemes('sandbox-gone');
  });
});
