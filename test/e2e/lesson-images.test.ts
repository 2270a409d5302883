// On a fresh server most lesson images are still being made after "ready" (docs/hosting.md): a lesson
// page whose images cannot run yet says so above everything else, and the notice goes by itself once
// they can. The server runs on the fake backend, whose image states the test sets; the page is the real
// site in real Chromium.
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lessonTags } from '../../sandbox-server/sandboxes/kit/images.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { launchBrowser, screenshot, type TestBrowser } from '../support/browser.ts';
import { fakeBackendHost } from '../support/fake-backend.ts';
import { type FakeDockhand, startFakeDockhand } from '../support/fake-dockhand.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const host = fakeBackendHost();
let fake: FakeDockhand;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  // The real course, so the server knows the lessons the built site shows.
  host.images = lessonTags();
  fake = await startFakeDockhand({ DOCKHAND_COURSE: 'lessons' }, host);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await fake?.close();
});

/** Opens a lesson's page and waits for its images notice to show. */
async function shownNotice(lesson: string) {
  const page = await browser.newPage();
  await page.goto(`${fake.dockhand.url}/lessons/${lesson}/`);
  const notice = page.locator('[data-part="images-notice"]');
  await expect.poll(() => notice.isVisible(), { timeout: 15_000 }).toBe(true);
  return { page, notice };
}

it("says which of a lesson's images are still being prepared, and stops saying it once they are ready", async () => {
  host.imageStates.set('nginx:latest', { state: 'preparing' });
  host.imageStates.set('redis:latest', { state: 'preparing' });
  const { page, notice } = await shownNotice('compose');
  expect(await notice.getAttribute('data-state')).toBe('preparing');
  expect(await notice.textContent()).toBe(
    "This lesson's images (nginx, redis) are still being prepared on the server, about a minute: docker run of them fails until then. Everything else works, and this notice goes away by itself.",
  );
  expect(await notice.locator('code').textContent()).toBe('docker run');
  await screenshot(page, 'lesson-images-preparing');

  // One is ready: the notice names the other; both are: it goes, with no reload.
  host.imageStates.delete('nginx:latest');
  await expect.poll(() => notice.textContent(), { timeout: 15_000 }).toMatch(/^This lesson's image \(redis\) is still being prepared/);
  host.imageStates.delete('redis:latest');
  await expect.poll(() => notice.isVisible(), { timeout: 15_000 }).toBe(false);
  expect(await notice.textContent()).toBe('');
  expect(browser.errors.filter((error) => error.includes('/images'))).toEqual([]);
});

it('says when making them failed, why, and what fixes it', async () => {
  host.imageStates.set('python:3-slim', {
    state: 'failed',
    reason: 'building dockhand/kit/python:3-slim failed: apt could not reach the Debian mirror',
  });
  const { page, notice } = await shownNotice('layers');
  expect(await notice.getAttribute('data-state')).toBe('failed');
  expect(await notice.textContent()).toBe(
    "This lesson's image (python:3-slim) could not be prepared on the server (building dockhand/kit/python:3-slim failed: apt could not reach the Debian mirror), so docker run of it fails. Whoever runs Dockhand can build it again with npm run images:build and then restart Dockhand; learners keep their sandboxes.",
  );
  await screenshot(page, 'lesson-images-failed');
  host.imageStates.clear();
});

it('shows nothing on a lesson whose images are all ready', async () => {
  const page = await browser.newPage();
  const asked = page.waitForResponse((response) => response.url().endsWith('/api/lessons/hello-world/images'));
  await page.goto(`${fake.dockhand.url}/lessons/hello-world/`);
  expect(await (await asked).json()).toEqual({ state: 'ready' });
  expect(await page.locator('[data-part="images-notice"]').isVisible()).toBe(false);
});
