// The Engine tab in a real browser against a real Dockhand: what the learner types in the terminal
// (`docker run`, `docker build`, `docker tag`) shows up in the tab by itself. Appearance is asserted with
// a generous timeout; how long it took is measured and printed, not asserted (a shared 2-core machine).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { launchBrowser, type TestBrowser, typeInTerminal, waitForTerminal } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHOTS = process.env.DOCKHAND_SHOTS_DIR ?? path.join(ROOT, 'test-artifacts');
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-engine-e2e-'));
const APPEAR_TIMEOUT_MS = 60_000;
const latencies: Record<string, { afterCommandMs: number; afterEnterMs: number }> = {};

let dockhand: Dockhand;
let browser: TestBrowser;
let page: Page;

let commands = 0;

/**
 * Types a command and waits until the Engine tab shows what `selector` finds. Measured: how long after
 * the command itself ended (it then prints a marker line; negative when the tab was first) and after Enter.
 */
async function typeAndWatch(what: string, command: string, selector: string): Promise<void> {
  const marker = `engine-done-${++commands}`;
  await page.locator('#tab-terminal-1').click();
  await typeInTerminal(page, `${command}; echo ${marker.replace(/-(\d+)$/, '-$(($1))')}`);
  const typed = Date.now();
  const [ended, shown] = await Promise.all([
    waitForTerminal(page, (text) => text.split('\n').some((line) => line.trim() === marker), `the end of \`${command}\``, 60_000).then(() =>
      Date.now(),
    ),
    page
      .locator(`#panel-engine ${selector}`)
      .first()
      .waitFor({ state: 'attached', timeout: APPEAR_TIMEOUT_MS })
      .then(() => Date.now()),
  ]);
  latencies[what] = { afterCommandMs: shown - ended, afterEnterMs: shown - typed };
  console.log(`engine tab: ${what} appeared ${shown - ended} ms after the command ended, ${shown - typed} ms after Enter (\`${command}\`)`);
}

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  browser = await launchBrowser();
  dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: path.join(stateDir, 'state') }), () => {});
  page = await browser.newPage();
});

afterEach(() => {
  expect(browser.errors.splice(0)).toEqual([]);
});

afterAll(async () => {
  console.log(`engine tab latencies: ${JSON.stringify(latencies)}`);
  await page?.close();
  await browser?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the Engine tab', () => {
  it('shows the empty engine of a new sandbox beside the terminal and the editor', async () => {
    await page.goto(`${dockhand.url}/lessons/hello-world/`);
    await waitForTerminal(page, (text) => text.includes('learner@dockhand'), 'a prompt', 60_000);
    await page.locator('#tab-engine').click();
    await expect.poll(() => page.locator('#panel-engine .engine-status').isHidden(), { timeout: APPEAR_TIMEOUT_MS }).toBe(true);
    expect(await page.locator('#panel-engine [data-part="containers"] .engine-empty').isVisible()).toBe(true);
    // Commands read as code, not as Markdown's backticks.
    expect(await page.locator('#panel-engine .engine-empty').allTextContents()).not.toContainEqual(expect.stringContaining('`'));
    expect(await page.locator('#panel-engine [data-part="containers"] .engine-empty code').textContent()).toBe('docker run');
    expect(await page.locator('#panel-engine [data-part="networks"] .engine-list li').count()).toBeGreaterThan(0);
    expect(await page.getByRole('tab').allTextContents()).toEqual(expect.arrayContaining(['Editor', 'Engine']));
  });

  it('shows a pulled image, and a container as soon as `docker run` starts it', async () => {
    await typeAndWatch('docker pull', 'docker pull -q busybox', '.engine-item.image[data-tags~="busybox:latest"]');
    await typeAndWatch(
      'docker run',
      'docker run -d --name engine-demo -p 8080:80 busybox sleep 1d',
      '.engine-item.container[data-name="engine-demo"]',
    );
    const container = page.locator('#panel-engine .engine-item.container[data-name="engine-demo"]');
    await expect.poll(() => container.textContent(), { timeout: APPEAR_TIMEOUT_MS }).toMatch(/Up/);
    expect(await container.textContent()).toContain('image busybox:latest');
    expect(await container.textContent()).toContain('localhost:8080 → 80/tcp');
  });

  it('grows a layer stack on `docker build`, on top of the layers it shares with its base', async () => {
    const base = Number(await page.locator('#panel-engine .engine-item.image[data-tags~="busybox:latest"]').getAttribute('data-layers'));
    await typeAndWatch(
      'docker build',
      `printf 'FROM busybox\\nRUN echo one > /one\\nRUN echo two > /two\\n' | docker build -q -t engine-demo:v1 -`,
      '.engine-item.image[data-tags~="engine-demo:v1"]',
    );
    const built = page.locator('#panel-engine .engine-item.image[data-tags~="engine-demo:v1"]');
    expect(Number(await built.getAttribute('data-layers'))).toBe(base + 2);
    const layers = await built.locator('.engine-layer').allTextContents();
    expect(layers[0]).toContain('echo two');
    expect(await built.locator('.engine-layer.shared').count()).toBe(base);
    expect(await built.locator('.engine-layer.shared .engine-shared').first().textContent()).toBe('shared with busybox:latest');
  });

  it('adds a name to the same stack on `docker tag`', async () => {
    await typeAndWatch('docker tag', 'docker tag engine-demo:v1 engine-demo:v2', '.engine-item.image[data-tags~="engine-demo:v2"]');
    const tagged = page.locator('#panel-engine .engine-item.image[data-tags~="engine-demo:v2"]');
    expect(await tagged.getAttribute('data-tags')).toBe('engine-demo:v1 engine-demo:v2');
    expect(await page.locator('#panel-engine .engine-item.image[data-tags*="engine-demo:"]').count()).toBe(1);
  });

  it('is readable in light and dark, and at phone width', async () => {
    await page.locator('#tab-engine').click();
    await page.emulateMedia({ colorScheme: 'light' });
    await shot('engine-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('engine-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    // A phone shows the lesson and the workspace as two panes.
    await page.getByRole('button', { name: 'Terminal', exact: true }).click();
    await page.locator('#workspace').scrollIntoViewIfNeeded();
    await page.locator('#tab-engine').click();
    await shot('engine-phone-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await shot('engine-phone-light');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
