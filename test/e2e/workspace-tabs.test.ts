// The workspace's tabs in Chromium, at a laptop's and a phone's width: however many terminals the learner
// opens, the toolbar keeps its rows (the tabs shrink, then scroll in their strip), and a terminal that
// comes back into sight never shows the text it drew before it went (xterm.js does not draw a hidden
// terminal, and tmux redraws only after a resize). The server runs on the fake backend, whose terminal
// streams the test writes as tmux would: the page is what is tested.
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TERMINAL_WINDOWS } from '../../sandbox-server/protocol/limits.ts';
import type { TerminalSize } from '../../sandbox-server/protocol/terminal.ts';
import { lessonTags } from '../../sandbox-server/sandboxes/kit/images.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { launchBrowser, screenshot, type TestBrowser, waitForTerminal } from '../support/browser.ts';
import { fakeBackendHost } from '../support/fake-backend.ts';
import { type FakeDockhand, startFakeDockhand } from '../support/fake-dockhand.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const LAPTOP = { width: 1400, height: 900 };
const PHONE = { width: 420, height: 900 };
const host = fakeBackendHost();
/** Each terminal attach, newest last: the window it is for, its stream (written = the shell's output), its resizes. */
const attached: { window: number; stream: PassThrough; resizes: TerminalSize[] }[] = [];
let fake: FakeDockhand;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  // The real course, so the server knows the lessons the built site shows.
  host.images = lessonTags();
  host.backend.attachTerminal = async (_sandbox, argv) => {
    const terminal = { window: Number(argv[2]), stream: new PassThrough(), resizes: [] as TerminalSize[] };
    attached.push(terminal);
    return { stream: terminal.stream, resize: async (size) => void terminal.resizes.push(size) };
  };
  fake = await startFakeDockhand({ DOCKHAND_COURSE: 'lessons' }, host);
  browser = await launchBrowser();
});

afterEach(async () => {
  await page?.close();
  expect(browser.errors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await fake?.close();
});

/** A lesson page in a new session (nothing remembered from the last test), the workspace in sight. */
async function openLesson(viewport: { width: number; height: number }, showWorkspace = true): Promise<void> {
  page = await browser.newPage();
  await page.setViewportSize(viewport);
  await page.goto(`${fake.dockhand.url}/`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${fake.dockhand.url}/lessons/hello-world/`);
  if (showWorkspace && viewport.width < 900) await page.getByRole('button', { name: 'Terminal', exact: true }).click();
  await expect.poll(() => page.locator('#tab-terminal-1 .connection').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
}

/** The newest attach of a terminal window, once it is there. */
async function shell(window: number) {
  await expect.poll(() => attached.some((terminal) => terminal.window === window), { timeout: 20_000 }).toBe(true);
  return attached.findLast((terminal) => terminal.window === window) as (typeof attached)[number];
}

/** How far the page scrolls sideways. */
const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/**
 * Records, at every animation frame from now, the text terminal 1 shows: its rows, or nothing while it is
 * out of sight or blanked. `act` runs in the page right after the first frame is recorded.
 */
async function recordFrames(act: string): Promise<void> {
  await page.evaluate((act) => {
    const frames: string[] = [];
    const record = window as unknown as { frames: string[]; stopFrames: boolean };
    record.frames = frames;
    record.stopFrames = false;
    const shown = () => {
      const host = document.querySelector<HTMLElement>('#panel-terminal-1 dockhand-terminal');
      const rows = host?.querySelector('.xterm-rows');
      if (!host?.checkVisibility() || !rows || getComputedStyle(rows).visibility === 'hidden') return '';
      return [...rows.children].map((row) => row.textContent ?? '').join('\n');
    };
    const frame = () => {
      frames.push(shown());
      if (!record.stopFrames) requestAnimationFrame(frame);
    };
    frames.push(shown());
    (document.querySelector(act) as HTMLElement).click();
    requestAnimationFrame(frame);
  }, act);
}

/** Waits until terminal 1 shows `text` (recording every frame until then), and returns what every frame showed. */
async function framesUntil(text: string): Promise<string[]> {
  await expect
    .poll(() => page.evaluate((text) => (window as unknown as { frames: string[] }).frames.some((frame) => frame.includes(text)), text), {
      timeout: 15_000,
    })
    .toBe(true);
  return page.evaluate(() => {
    const record = window as unknown as { frames: string[]; stopFrames: boolean };
    record.stopFrames = true;
    return record.frames;
  });
}

describe("the workspace's toolbar", () => {
  for (const [name, viewport] of [
    ['laptop', LAPTOP],
    ['phone', PHONE],
  ] as const) {
    it(`keeps its rows at ${viewport.width} px with every terminal open, the new tab in sight`, async () => {
      await openLesson(viewport);
      const bar = page.locator('.workspace-bar');
      const height = (await bar.boundingBox())?.height ?? 0;
      const strip = page.locator('.workspace .tabs');
      for (let number = 2; number <= TERMINAL_WINDOWS; number++) {
        await page.getByRole('button', { name: 'Open another terminal' }).click();
        const tab = page.getByRole('tab', { name: `Terminal ${number}` });
        await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true');
        expect((await bar.boundingBox())?.height, `the toolbar's height with ${number} terminals`).toBe(height);
        expect(await sideways(), `the page scrolls sideways with ${number} terminals`).toBeLessThanOrEqual(0);
        const [inStrip, box] = [await strip.boundingBox(), await tab.boundingBox()];
        expect(
          box && inStrip && box.x >= inStrip.x - 0.5 && box.x + box.width <= inStrip.x + inStrip.width + 0.5,
          `Terminal ${number}'s tab in sight`,
        ).toBe(true);
        if (number === 4) {
          for (const scheme of ['light', 'dark'] as const) {
            await page.emulateMedia({ colorScheme: scheme });
            await screenshot(page, `workspace-tabs-${name}-4-${scheme}`);
          }
          await page.emulateMedia({ colorScheme: 'light' });
        }
      }
      // Tab 1 went out of the strip's sight (on the phone): choosing it brings it back.
      await page.getByRole('tab', { name: 'Terminal 3' }).focus();
      await page.keyboard.press('Home');
      const [inStrip, first] = [await strip.boundingBox(), await page.locator('#tab-terminal-1').boundingBox()];
      expect(first && inStrip && first.x >= inStrip.x - 0.5).toBe(true);
    });
  }
});

describe('a terminal back in sight', () => {
  it('shows what its shell printed while another tab was shown, never the text from before', async () => {
    await openLesson(LAPTOP);
    const first = await shell(1);
    first.stream.write('OLD-SCREEN before the switch\r\n');
    await waitForTerminal(page, (text) => text.includes('OLD-SCREEN'), 'the first output');
    await page.getByRole('button', { name: 'Open another terminal' }).click();
    await shell(2);
    await expect.poll(() => page.locator('#tab-terminal-2 .connection').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    // Terminal 1 out of sight (xterm.js has stopped drawing it), its shell prints a new screen.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    first.stream.write('\x1b[H\x1b[2JNEW-SCREEN while hidden\r\n');
    // Time to arrive and be parsed in the hidden terminal.
    await page.waitForTimeout(1_500);
    await recordFrames('#tab-terminal-1');
    const frames = await framesUntil('NEW-SCREEN');
    expect(
      frames.filter((frame) => frame.includes('OLD-SCREEN')),
      'frames that showed the screen from before',
    ).toEqual([]);
    // Below the last row: the terminal's own background, not the black strip xterm.js paints there.
    const below = await page
      .locator('#panel-terminal-1 .xterm-viewport')
      .evaluate((viewport) => getComputedStyle(viewport).backgroundColor);
    expect(below).toBe('rgba(0, 0, 0, 0)');
  });

  it('on a phone, waits for the redraw at its new size instead of showing the old size', async () => {
    // The lesson's pane first: the terminal connects out of sight, at the size it had (none yet: 80 columns).
    await openLesson(PHONE, false);
    const first = await shell(1);
    const wide = `OLD-WIDE ${'x'.repeat(60)} END-OF-WIDE-LINE`;
    first.stream.write(`\x1b[H\x1b[2J${wide}\r\n`);
    await page.waitForTimeout(1_500);
    const sized = first.resizes.length;
    await recordFrames('#pane-switch [data-pane="workspace"]');
    // As tmux does: a redraw at the new size, once the resize has reached it (a while later on a busy machine).
    await expect.poll(() => first.resizes.length, { timeout: 10_000 }).toBeGreaterThan(sized);
    // Blank while it waits, not dead: the keys still go in.
    expect(await page.locator('#panel-terminal-1 dockhand-terminal').getAttribute('data-stale')).toBe('');
    await page.locator('#panel-terminal-1 .xterm-helper-textarea').focus();
    expect(await page.evaluate(() => document.activeElement?.className)).toContain('xterm-helper-textarea');
    await page.waitForTimeout(300);
    first.stream.write('\x1b[H\x1b[2JREDRAWN at the new size\r\n');
    const frames = await framesUntil('REDRAWN');
    expect(
      frames.filter((frame) => frame.includes('OLD-WIDE') || frame.includes('END-OF-WIDE')),
      'frames that showed the old screen',
    ).toEqual([]);
  });
});
