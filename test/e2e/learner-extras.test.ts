// Smaller things a learner meets, in Chromium against a real Dockhand: a name longer than the limit is
// cut with a sentence that says so, and a taken name is explained; extra terminal tabs close (the first
// stays); keys typed while the terminal is away are dropped with a sentence, never sent later, and
// "Retry now" reconnects at once; a kept sandbox that does not start offers Start fresh, asked first.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import { NAME_MAX } from '../../sandbox-server/protocol/limits.ts';
import type { WorkshopView } from '../../sandbox-server/protocol/workshops.ts';
import { RESUME_FAILED } from '../../sandbox-server/sandboxes/pool.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api } from '../../scripts/lib/api.ts';
import { launchBrowser, type TestBrowser, terminalText, typeInTerminal, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ADMIN = 'e2e-learner-extras-admin-token-0123456789';
const PROMPT = 'learner@dockhand';
const SHOTS = '/work/shots';
const LOADED = { timeout: 20_000 };
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-extras-'));

let dockhand: Dockhand;
let first: Lesson;
let workshop: WorkshopView;
let learner: TestBrowser;
let other: TestBrowser;
let page: Page;

const tabNames = () => page.locator('[role="tab"][data-terminal] .label').allTextContents();

async function shots(target: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const size = target.viewportSize() ?? { width: 1400, height: 900 };
  for (const viewport of [
    { width: 390, height: 844 },
    { width: 1366, height: 768 },
    { width: 1920, height: 1080 },
  ]) {
    await target.setViewportSize(viewport);
    for (const scheme of ['light', 'dark'] as const) {
      await target.emulateMedia({ colorScheme: scheme });
      await target.screenshot({ path: path.join(SHOTS, `ux2-${name}-${viewport.width}-${scheme}.png`) });
    }
  }
  await target.emulateMedia({ colorScheme: 'light' });
  await target.setViewportSize(size);
}

beforeAll(async () => {
  const course = (await loadCourse(path.join(ROOT, 'lessons'))).lessons;
  first = course[0] as Lesson;
  await ensureSiteBuilt(ROOT, () => {});
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir, DOCKHAND_ADMIN_TOKEN: ADMIN }),
    () => {},
  );
  workshop = (await api(dockhand.url, 'POST', '/api/workshops', { token: ADMIN, body: { title: 'Extras', lessons: [first.slug] } }))
    .body as WorkshopView;
  learner = await launchBrowser();
  other = await launchBrowser();
  page = await learner.newPage();
});

afterEach(() => {
  const errors = [learner, other].filter(Boolean).flatMap((browser) => browser.errors.splice(0));
  expect(errors).toEqual([]);
});

afterAll(async () => {
  for (const browser of [learner, other]) await browser?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('what a learner meets around the lesson', () => {
  it('a long name is cut to the limit with a sentence saying so; a taken name is explained', async () => {
    await page.goto(`${dockhand.url}/join/?code=${workshop.code}`);
    const name = page.getByLabel('Your name');
    const long = 'Maria Salomea Skłodowska-Curie of Warsaw and Paris';
    await name.pressSequentially(long);
    expect(await name.inputValue()).toBe(long.slice(0, NAME_MAX));
    await expect
      .poll(() => page.locator('#join-name-cut').textContent())
      .toBe(`Names are kept to ${NAME_MAX} characters: yours was cut to “${long.slice(0, NAME_MAX).trim()}”.`);
    expect(await page.locator('#join-name-help').textContent()).toContain(`up to ${NAME_MAX} characters`);
    await name.fill('Ada');
    expect(await page.locator('#join-name-cut').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Join the workshop' }).click();
    await page.waitForURL(`**/lessons/${first.slug}/`, LOADED);
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt', 60_000);

    const late = await other.newPage();
    await late.goto(`${dockhand.url}/join/?code=${workshop.code}`);
    await late.getByLabel('Your name').fill('ada');
    await late.getByRole('button', { name: 'Join the workshop' }).click();
    await expect
      .poll(() => late.locator('#join-error').textContent())
      .toBe(
        'Someone in this workshop already goes by “ada”. Choose another name, for instance with an initial added. ' +
          "If that is you on another device, first enter that device's resume code here (Resume code, at the top of the page), then join again.",
      );
    await late.close();
    // The refusal's own log lines (the 409 and Chromium's "Failed to load resource").
    expect(other.errors.filter((line) => !/409/.test(line))).toEqual([]);
    other.errors.splice(0);
  });

  it('closes extra terminal tabs with a button or Delete; the first stays; a reload keeps what is open', async () => {
    await page.getByRole('button', { name: 'Open another terminal' }).click();
    await page.getByRole('button', { name: 'Open another terminal' }).click();
    expect(await tabNames()).toEqual(['Terminal 1', 'Terminal 2', 'Terminal 3']);
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt in terminal 3', 30_000, 3);
    await page.locator('#tab-terminal-2').click();
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt in terminal 2', 30_000, 2);
    await shots(page, 'lesson-terminal-tabs');
    await page.getByRole('button', { name: 'Close Terminal 2' }).click();
    expect(await tabNames()).toEqual(['Terminal 1', 'Terminal 3']);
    expect(await page.locator('#panel-terminal-2').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-terminal-1');
    expect(await page.locator('#panel-terminal-1 .close-terminal').count()).toBe(0);

    await page.reload();
    await expect.poll(tabNames, LOADED).toEqual(['Terminal 1', 'Terminal 3']);
    await page.locator('#tab-terminal-3').focus();
    await page.keyboard.press('Delete');
    expect(await tabNames()).toEqual(['Terminal 1']);
    await page.keyboard.press('Delete');
    expect(await tabNames()).toEqual(['Terminal 1']);
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'the first prompt still there', 30_000);
  });

  it('drops keys typed while the terminal is away, with a sentence, and "Retry now" reconnects at once', async () => {
    let blocked = false;
    let attempts = 0;
    let current: WebSocketRoute | undefined;
    await page.routeWebSocket(/\/ws\/sessions\/[^/]+\/terminal/, (ws) => {
      attempts += 1;
      if (blocked) return void ws.close();
      ws.connectToServer();
      current = ws;
    });
    await page.reload();
    await waitForTerminal(page, (text) => text.includes(PROMPT), 'a prompt', 60_000);
    const status = page.locator('#panel-terminal-1 .terminal-status');
    await expect.poll(() => status.getAttribute('data-state'), LOADED).toBe('connected');

    blocked = true;
    await current?.close();
    await expect.poll(() => status.getAttribute('data-state')).toBe('reconnecting');
    const retry = page.getByRole('button', { name: 'Retry now' });
    await retry.waitFor();
    await page.locator('#panel-terminal-1 .xterm-helper-textarea').focus();
    await page.keyboard.type('echo ux2-typed-away');
    await expect
      .poll(() => page.locator('#panel-terminal-1 .terminal-note').textContent())
      .toBe('Not sent: the terminal is reconnecting. Type it again once it is back.');
    await shots(page, 'lesson-reconnecting');

    // Retry now tries at once, not after the growing wait.
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 10_000 }).toBe('reconnecting');
    await expect.poll(() => retry.isVisible()).toBe(true);
    const before = attempts;
    await retry.click();
    await expect.poll(() => attempts, { timeout: 2_000 }).toBeGreaterThan(before);
    blocked = false;
    await expect.poll(() => retry.isVisible(), { timeout: 10_000 }).toBe(true);
    await retry.click({ timeout: 2_000 }).catch(async (error: Error) => {
      // The growing wait may have ended by itself just before the click: then it is connected already.
      if ((await status.getAttribute('data-state')) !== 'connected') throw error;
    });
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 3_000 }).toBe('connected');
    expect(await page.locator('#panel-terminal-1 .terminal-note').isVisible()).toBe(false);
    expect(await retry.isVisible()).toBe(false);

    await typeInTerminal(page, 'echo ux2-back-$((20+1))');
    await waitForTerminal(page, (text) => text.includes('ux2-back-21'), 'the command typed after reconnecting');
    expect(await terminalText(page)).not.toContain('ux2-typed-away');
  });

  it('a kept sandbox that does not start says so and offers Start fresh, asked first', async () => {
    const fresh = await other.newPage();
    const asked: boolean[] = [];
    await fresh.route('**/api/sessions', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const body = route.request().postDataJSON() as { fresh?: boolean };
      asked.push(body.fresh === true);
      // The server's answer when a learner's kept disk does not start (test/integration/broken-disk.test.ts makes it for real).
      if (!body.fresh) return route.fulfill({ status: 409, json: { error: RESUME_FAILED, code: 'resume_failed' } });
      return route.continue();
    });
    await fresh.goto(`${dockhand.url}/lessons/${first.slug}/`);
    const banner = fresh.locator('#session-banner');
    await expect.poll(() => banner.getAttribute('data-state'), LOADED).toBe('resume_failed');
    expect(await banner.locator('.message').textContent()).toBe(`${RESUME_FAILED} Reload the page to try again.`);
    await shots(fresh, 'lesson-resume-failed');
    await fresh.getByRole('button', { name: 'Start fresh…' }).click();
    const confirm = fresh.locator('#fresh-confirm');
    await expect.poll(() => confirm.isVisible()).toBe(true);
    expect(await fresh.evaluate(() => (document.activeElement as HTMLElement | null)?.textContent)).toBe('Keep my work');
    await fresh.getByRole('button', { name: 'Keep my work' }).click();
    expect(await confirm.isVisible()).toBe(false);
    expect(await banner.getAttribute('data-state')).toBe('resume_failed');
    expect(asked).toEqual([false]);

    await fresh.getByRole('button', { name: 'Start fresh…' }).click();
    await fresh.getByRole('button', { name: 'Delete my work and start fresh' }).click();
    await waitForTerminal(fresh, (text) => text.includes(PROMPT), 'a prompt in a fresh sandbox', 60_000);
    expect(asked).toEqual([false, true]);
    expect(other.errors.filter((line) => !/409/.test(line))).toEqual([]);
    other.errors.splice(0);
    await fresh.close();
  });
});
