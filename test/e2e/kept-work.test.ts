// Kept work is refused, not made room for (issue 20, item 5): when the space for kept disks is full, a
// learner who ends with "Keep my work" is told it could not be kept, and their next sandbox is fresh;
// nobody else's kept disk was deleted for theirs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { WORKSPACE_DIR } from '../../sandbox-server/sandboxes/learner.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-e2e-kept-work-'));
let dockhand: Dockhand;
let browser: TestBrowser;

const bannerState = (page: Page) => page.locator('#session-banner').getAttribute('data-state');

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  browser = await launchBrowser();
  // 16 MiB for all kept disks together: less than the 20 MB the learner writes.
  dockhand = await startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_KEPT_DISKS_MAX: '16m', DOCKHAND_STATE_DIR: stateDir }),
    () => {},
  );
});

afterAll(async () => {
  await browser?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

it('a learner whose work does not fit is told so, and starts fresh next time', { timeout: 180_000 }, async () => {
  const lesson = (await loadCourse(path.join(ROOT, 'lessons'))).lessons[0]?.slug as string;
  const page = await browser.newPage();
  await page.goto(`${dockhand.url}/lessons/${lesson}/`);
  await expect.poll(() => bannerState(page), { timeout: 60_000 }).toBe('active');
  const { id } = await page.evaluate(() => JSON.parse(localStorage.getItem('dockhand.session') ?? '{}') as { id: string });
  const live = dockhand.sessions.live(id);
  if (!live) throw new Error('the session is not live');
  const wrote = await runAsLearner(testBackend(), live.sandbox, [
    'sh',
    '-c',
    `head -c 20000000 /dev/urandom > ${WORKSPACE_DIR}/big && sync`,
  ]);
  expect(wrote.exitCode, wrote.stderr).toBe(0);

  // End sandbox lives in the workspace's "More" menu.
  await page.getByRole('button', { name: 'More settings and actions' }).click();
  await page.locator('#end-sandbox').click();
  await page.locator('#end-confirm [data-end="keep"]').click();
  await expect
    .poll(() => page.locator('#session-banner .message').textContent(), { timeout: 30_000 })
    .toMatch(/^You ended this sandbox\. Your work could not be kept: this server has no room to keep it now\.$/);

  await page.locator('#session-banner .session-action').click();
  await expect.poll(() => bannerState(page), { timeout: 60_000 }).toBe('active');
  expect(browser.errors).toEqual([]);
});
