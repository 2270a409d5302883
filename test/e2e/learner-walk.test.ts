// What a learner tripped on in a walk through the course (issue 22), in Chromium against a real Dockhand:
// lesson 9's detach keys reaching the learner's own container, "Start fresh" asking first, a resume code
// that can be entered from the home page, a pass notice that stays out of the way, exercises that show
// their task before any attempt, and preview buttons that follow the engine.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { launchBrowser, screenshot, type TestBrowser, terminalText, typeInTerminal, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROMPT = 'learner@dockhand';
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-walk-'));
const marker = `walk-${Math.random().toString(36).slice(2, 8)}`;

let dockhand: Dockhand;
let browser: TestBrowser;
let page: Page;
let commands = 0;

const exerciseState = (id: string) => page.locator(`#exercise-${id} .exercise-state`);

/** Types a command in terminal 1 and waits for the line it prints when done (a token the typed text lacks). */
async function run(command: string): Promise<string> {
  const n = ++commands;
  await typeInTerminal(page, `${command}; echo ${marker}-done-$((${n}))`);
  return waitForTerminal(
    page,
    (text) => text.split('\n').some((line) => line.trim() === `${marker}-done-${n}`),
    `the end of ${command}`,
    60_000,
  );
}

/** The last line of the terminal that is not blank. */
const lastLine = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim())
    .at(-1) ?? '';

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  browser = await launchBrowser();
  dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir }), () => {});
});

afterEach(() => {
  const errors = browser.errors.splice(0);
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('lesson 9, stepping out of a container', () => {
  beforeAll(async () => {
    page = await browser.newPage();
    await page.goto(`${dockhand.url}/lessons/interactive/`);
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt', 90_000);
  });

  it('passes Ctrl-P Ctrl-Q to the container: it keeps running, the prompt is back, the terminal stays connected', async () => {
    // Every state the terminal's connection shows, from now on.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as { connectionStates?: string[] }).connectionStates = seen;
      const connection = document.querySelector('#tab-terminal-1 .connection') as HTMLElement;
      new MutationObserver(() => seen.push(connection.dataset.state ?? '')).observe(connection, { attributes: true });
    });
    await typeInTerminal(page, 'docker run -it --name lounge debian bash');
    await waitForTerminal(page, (text) => /root@[0-9a-f]{12}:\/#\s*$/.test(lastLine(text)), "the container's shell", 60_000);
    await typeInTerminal(page, 'cd /tmp');
    await waitForTerminal(page, (text) => /root@[0-9a-f]{12}:\/tmp#\s*$/.test(lastLine(text)), 'the shell in /tmp');
    // Still inside: the exercise asks to step out, so it does not pass yet.
    const section = page.locator('#exercise-detach');
    await section.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => section.locator('.exercise-message').textContent(), { timeout: 30_000 }).toMatch(/still inside/);
    expect(await exerciseState('detach').textContent()).not.toBe('Passed');

    // The lesson's keys, as a learner presses them.
    await page.locator('#panel-terminal-1 .xterm-helper-textarea').focus();
    await page.keyboard.press('Control+P');
    await page.keyboard.press('Control+Q');
    await waitForTerminal(page, (shown) => lastLine(shown).includes(PROMPT), 'the sandbox prompt after the detach keys');
    await expect.poll(() => exerciseState('detach').textContent(), { timeout: 30_000 }).toBe('Passed');
    const running = await run("docker inspect -f 'state={{.State.Status}}' lounge");
    expect(running).toContain('state=running');
    expect(await page.evaluate(() => (window as { connectionStates?: string[] }).connectionStates)).toEqual([]);
    expect(await page.locator('#tab-terminal-1 .connection').getAttribute('data-state')).toBe('connected');
    expect(await terminalText(page)).not.toMatch(/Connection lost/);
    expect(await page.locator('body').textContent()).not.toMatch(/Connection lost/);
    await screenshot(page, 'walk-detached');
  });
});
