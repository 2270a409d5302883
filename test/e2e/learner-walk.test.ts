// What a learner tripped on in a walk through the course (issue 22), in Chromium against a real Dockhand:
// lesson 9's detach keys reaching the learner's own container, "Start fresh" asking first, a resume code
// that can be entered from the home page, a pass notice that stays out of the way, exercises that show
// their task before any attempt, and preview buttons that follow the engine.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkshopView } from '../../sandbox-server/protocol/workshops.ts';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api } from '../../scripts/lib/api.ts';
import {
  launchBrowser,
  screenshot,
  type TestBrowser,
  terminalCommands,
  terminalText,
  typeInTerminal,
  waitForTerminal,
} from '../support/browser.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROMPT = 'learner@dockhand';
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-walk-'));
const marker = `walk-${Math.random().toString(36).slice(2, 8)}`;
const ADMIN = 'e2e-walk-admin-token-0123456789abcdef';
/** Where the room reaches this Dockhand (a name no test resolves: only the links are looked at). */
const PUBLIC_URL = 'https://dockhand.example.org';

let dockhand: Dockhand;
let browser: TestBrowser;
let page: Page;

const exerciseState = (id: string) => page.locator(`#exercise-${id} .exercise-state`);

/** Types a command in terminal 1 and waits until it finished. */
const run = terminalCommands(() => page, marker);

/** The last line of the terminal that is not blank. */
const lastLine = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim())
    .at(-1) ?? '';

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  browser = await launchBrowser();
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir, DOCKHAND_ADMIN_TOKEN: ADMIN, DOCKHAND_PUBLIC_URL: PUBLIC_URL }),
    () => {},
  );
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

  it('names every Run and Copy button by what it runs or copies', async () => {
    const names = await page
      .locator('.code-block [data-code-action]')
      .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('aria-label') ?? button.textContent ?? ''));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !/^(Run|Copy): \S/.test(name))).toEqual([]);
    expect(names).toContain('Run: docker run -it --name hammock debian bash');
  });

  it("shows each exercise's task first, without a failure sentence, until the learner tries", async () => {
    // The checker evaluates every exercise as the sandbox starts; those first results must not show.
    await page.waitForTimeout(5_000);
    const states = await page.locator('.exercise-state').allTextContents();
    expect(states.length).toBeGreaterThan(2);
    expect(new Set(states)).toEqual(new Set(['Not started']));
    expect((await page.locator('.exercise-message').allTextContents()).join('')).toBe('');
    await page.locator('#exercise-detach').scrollIntoViewIfNeeded();
    await screenshot(page, 'walk-untouched-exercise');
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
    // Something the learner did concerns the next exercise too (lounge now runs): it says what is missing.
    const next = page.locator('#exercise-attach-again');
    await expect.poll(() => next.locator('.exercise-state').textContent(), { timeout: 30_000 }).toBe('Not yet');
    expect(await next.locator('.exercise-message').textContent()).toMatch(/back in the lounge/);
    await screenshot(page, 'walk-detached');
  });

  it('shows a web preview button as soon as the engine publishes a port, polls for nothing, and keeps the terminal in its place', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    const asked: number[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/ports')) asked.push(Date.now());
    });
    // Where an element sits, to the pixel (subpixel rounding differs as content changes).
    const box = (selector: string) =>
      page.locator(selector).evaluate((element) => {
        const { top, height } = element.getBoundingClientRect();
        return { top: Math.round(top), height: Math.round(height) };
      });
    const before = { bar: await box('#workspace .workspace-bar'), terminal: await box('#panel-terminal-1') };
    // Nothing changes in the engine: nothing is asked (the page used to poll every 4 s after any key or click).
    await page.locator('#panel-terminal-1 .xterm-helper-textarea').focus();
    await page.keyboard.press('Shift');
    await page.locator('#panel-terminal-1 .terminal-status').click();
    await page.waitForTimeout(9_000);
    expect(asked).toEqual([]);

    const { id } = await page.evaluate(() => JSON.parse(localStorage.getItem('dockhand.session') ?? 'null') as { id: string });
    const live = dockhand.sessions.live(id);
    if (!live) throw new Error('the session is not live');
    const started = await runAsLearner(testBackend(), live.sandbox, [
      'docker',
      'run',
      '-d',
      '--name',
      'web',
      '-p',
      '8000:8000',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '8000',
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    const running = Date.now();
    await page.locator('.port-list a', { hasText: 'Port 8000' }).waitFor({ timeout: 10_000 });
    const lagMs = Date.now() - running;
    console.log(`web preview button ${lagMs} ms after docker run -d -p returned`);
    expect(lagMs).toBeLessThan(2_500);
    expect(await box('#workspace .workspace-bar')).toEqual(before.bar);
    expect(await box('#panel-terminal-1')).toEqual(before.terminal);
    await screenshot(page, 'walk-preview-button');
  });

  it('keeps the workspace toolbar to one row at 1024 px and two on a phone, the rest behind "More"', async () => {
    const barHeight = () => page.locator('#workspace .workspace-bar').evaluate((bar) => bar.getBoundingClientRect().height);
    const more = page.getByRole('button', { name: 'More settings and actions' });
    await page.setViewportSize({ width: 1024, height: 768 });
    expect(await barHeight()).toBeLessThan(56);
    expect(await page.locator('#end-sandbox').isVisible()).toBe(false);
    await more.click();
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('#end-sandbox').isVisible()).toBe(true);
    expect(await page.getByLabel('Screen reader mode').isVisible()).toBe(true);
    await screenshot(page, 'walk-more-menu-1024');
    await page.keyboard.press('Escape');
    expect(await page.locator('#end-sandbox').isVisible()).toBe(false);
    expect(await more.evaluate((button) => button === document.activeElement)).toBe(true);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#pane-switch button', { hasText: 'Terminal' }).click();
    expect(await barHeight()).toBeLessThan(100);
    // The terminal gets the room: its first line starts within the top third of a phone's screen.
    const firstLine = await page.locator('#panel-terminal-1 .xterm-rows').evaluate((rows) => rows.getBoundingClientRect().top);
    console.log(`phone: first terminal line at ${Math.round(firstLine)} px`);
    expect(firstLine).toBeLessThan(844 / 3);
    await screenshot(page, 'walk-toolbar-phone');
    await page.setViewportSize({ width: 1366, height: 768 });
  });
});

describe('an instructor whose Dockhand has a public address', () => {
  it('gets join links and a QR code that name the public address, not the one the instructor typed', async () => {
    const created = await api(dockhand.url, 'POST', '/api/workshops', {
      token: ADMIN,
      body: { title: 'Room 4', lessons: ['interactive'] },
    });
    const workshop = created.body as WorkshopView;
    expect(workshop.joinUrl).toBe(`${PUBLIC_URL}/join/?code=${workshop.code}`);
    const admin = await browser.newPage();
    await admin.addInitScript((token) => localStorage.setItem('dockhand.admin-token', token), ADMIN);
    const expected = `${PUBLIC_URL}/join/?code=${workshop.code}&lesson=interactive`;
    await admin.goto(`${dockhand.url}/instructor/workshop/?code=${workshop.code}`);
    await expect.poll(() => admin.locator('#dashboard-code [data-join-link]').textContent(), { timeout: 15_000 }).toBe(expected);
    expect(await admin.locator('#dashboard-code [data-join-warning]').isVisible()).toBe(false);
    await admin.goto(`${dockhand.url}/instructor/workshop/projector/?code=${workshop.code}`);
    await expect.poll(() => admin.locator('#projector-link').textContent(), { timeout: 15_000 }).toBe(expected);
    expect(await admin.locator('#projector-origin').textContent()).toBe('dockhand.example.org/join');
    expect(await admin.locator('#projector-qr svg').getAttribute('aria-label')).toBe(`QR code of the join link ${expected}`);
    expect(await admin.locator('#projector-warning').isVisible()).toBe(false);
    await admin.close();
  });
});

describe('the pages changed for the walk', () => {
  it('are screenshotted on a phone, a laptop and a desktop, light and dark', async () => {
    const sizes = { phone: { width: 390, height: 844 }, laptop: { width: 1366, height: 768 }, desktop: { width: 1920, height: 1080 } };
    const shots = await browser.newPage();
    for (const [name, path] of [
      ['home', '/'],
      ['resume', '/resume/'],
    ] as const) {
      await shots.goto(`${dockhand.url}${path}`);
      for (const [size, viewport] of Object.entries(sizes)) {
        await shots.setViewportSize(viewport);
        for (const scheme of ['light', 'dark'] as const) {
          await shots.emulateMedia({ colorScheme: scheme });
          await screenshot(shots, `walk-${name}-${size}-${scheme}`);
        }
      }
    }
    await shots.close();
    // The lesson page with its preview button, as the learner left it.
    for (const [size, viewport] of Object.entries(sizes)) {
      await page.setViewportSize(viewport);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `walk-lesson-${size}-${scheme}`);
      }
    }
  });
});

describe('a sandbox ended from another device', () => {
  it('says so, rather than "You ended this sandbox"', async () => {
    const { id, token } = await page.evaluate(
      () => JSON.parse(localStorage.getItem('dockhand.session') ?? 'null') as { id: string; token: string },
    );
    expect((await api(dockhand.url, 'DELETE', `/api/sessions/${id}`, { token })).status).toBe(200);
    await expect
      .poll(() => page.locator('#session-banner .message').textContent(), { timeout: 20_000 })
      .toBe('This sandbox was ended from another tab or device.');
    // The page's sockets may be refused (410) as they try again: that refusal is expected here.
    browser.errors.splice(0, browser.errors.length, ...browser.errors.filter((line) => !/Unexpected response code: 410/.test(line)));
  });
});
