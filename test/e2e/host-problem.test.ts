// A learner arriving while the host cannot start sandboxes (a freshly booted host with /dev/net/tun at
// 0600 and fixing switched off) reads what is wrong in plain words, and the page starts by itself once
// the host is fixed.
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TUN_DEVICE } from '../../sandbox-server/sandboxes/preflight.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { launchBrowser, screenshot, type TestBrowser, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const stateDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-e2e-host-'));
const originalTunMode = (await stat(TUN_DEVICE)).mode & 0o777;
let dockhand: Dockhand;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  browser = await launchBrowser();
});

afterAll(async () => {
  await chmod(TUN_DEVICE, originalTunMode);
  await browser?.close();
  await dockhand?.close();
  await rm(stateDir, { recursive: true, force: true });
});

it('says why no sandbox starts instead of spinning, and starts by itself once the host is fixed', { timeout: 120_000 }, async () => {
  await chmod(TUN_DEVICE, 0o600);
  try {
    dockhand = await startDockhand(
      testConfig({
        DOCKHAND_FIX_HOST: 'off',
        DOCKHAND_POOL_SIZE: '1',
        DOCKHAND_POOL_RETRY_FIRST: '200ms',
        DOCKHAND_POOL_RETRY_MAX: '1s',
        DOCKHAND_SWEEP_INTERVAL: '500ms',
        DOCKHAND_STATE_DIR: stateDir,
      }),
      () => {},
    );
    const page = await browser.newPage();
    await page.goto(`${dockhand.url}/lessons/hello-world/`);
    const banner = page.locator('#session-banner');
    await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toBe('unavailable');
    const text = ((await banner.locator('.message').textContent()) ?? '').trim();
    expect(text).toMatch(
      /^No sandbox can start on this server right now: \/dev\/net\/tun is mode 0600: the learner \(uid 1000\) cannot open it/,
    );
    expect(text).toMatch(/chmod 0666 \/dev\/net\/tun/);
    expect(text).toMatch(/This page tries again by itself\./);
    expect(await banner.locator('.spinner').isVisible()).toBe(false);
    expect(await page.locator('.terminal-status').first().textContent()).toBe('No sandbox can start on this server right now.');
    await screenshot(page, 'host-problem');
  } finally {
    await chmod(TUN_DEVICE, 0o666);
  }
  const page = browser.context.pages().at(-1);
  if (!page) throw new Error('the lesson page is gone');
  await expect.poll(() => page.locator('#session-banner').getAttribute('data-state'), { timeout: 60_000 }).toBe('active');
  await waitForTerminal(page, (text) => text.includes('learner@dockhand'), 'a prompt after the host was fixed', 30_000);
  // The refused claims (the response and the console's note of it) were the only errors the page met.
  expect(browser.errors.filter((error) => !/api\/sessions answered 503|status of 503/.test(error))).toEqual([]);
});
