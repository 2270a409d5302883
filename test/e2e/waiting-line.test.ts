// A learner who arrives while every sandbox is in use sees their place in line on the lesson page, and
// the page starts by itself once a sandbox frees up.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api, createSession } from '../../scripts/lib/api.ts';
import { launchBrowser, screenshot, type TestBrowser, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const stateDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-e2e-line-'));
let dockhand: Dockhand;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  browser = await launchBrowser();
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_MAX_SANDBOXES: '1', DOCKHAND_STATE_DIR: stateDir }),
    () => {},
  );
});

afterAll(async () => {
  await browser?.close();
  await dockhand?.close();
  await rm(stateDir, { recursive: true, force: true });
});

it('shows "You are next in line" and starts by itself when the sandbox ahead is ended', { timeout: 120_000 }, async () => {
  const ahead = await createSession(dockhand.url);
  const page = await browser.newPage();
  await page.goto(`${dockhand.url}/lessons/hello-world/`);
  const message = page.locator('#session-banner .message');
  await expect
    .poll(() => message.textContent(), { timeout: 15_000 })
    .toBe('Every sandbox on this server is in use. You are next in line; yours starts by itself.');
  expect(await page.locator('#session-banner .session-action').isVisible()).toBe(false);
  await screenshot(page, 'waiting-line');
  expect((await api(dockhand.url, 'DELETE', `/api/sessions/${ahead.id}`, { token: ahead.token })).status).toBe(200);
  await expect.poll(() => page.locator('#session-banner').getAttribute('data-state'), { timeout: 60_000 }).toBe('active');
  await waitForTerminal(page, (text) => text.includes('learner@dockhand'), 'a prompt once the sandbox ahead was ended', 30_000);
  expect(browser.errors).toEqual([]);
});
