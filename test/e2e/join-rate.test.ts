// A room joining from one network, in Chromium: once the room's allowance is spent, the join page counts
// the refusal's wait down and tries again by itself, so nobody has to press Join twice. The server runs
// on the fake backend (joining is what is tested, not sandboxes).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkshopView } from '../../sandbox-server/protocol/workshops.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api } from '../../scripts/lib/api.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { type FakeDockhand, startFakeDockhand } from '../support/fake-dockhand.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** 30 a minute: a burst of 15, then one more every 2 s. */
const PER_MINUTE = 30;
const BURST = PER_MINUTE / 2;

let fake: FakeDockhand;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  fake = await startFakeDockhand({ DOCKHAND_SESSIONS_PER_MINUTE: String(PER_MINUTE) });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await fake?.close();
});

describe('joining from a busy network', () => {
  it('waits out a refusal for the rate with a countdown and joins by itself', async () => {
    const { url, adminToken } = fake.dockhand;
    const workshop = (await api(url, 'POST', '/api/workshops', { token: adminToken, body: { title: 'Busy room' } })).body as WorkshopView;
    // The room's allowance (no seats said: the usual burst), spent by the people who joined first.
    for (let i = 0; i < BURST; i++) {
      const joined = await api(url, 'POST', '/api/sessions', { body: { workshop: workshop.code, name: `Early ${i}` } });
      expect(joined.status).toBe(201);
    }
    expect((await api(url, 'POST', '/api/sessions', { body: { workshop: workshop.code, name: 'Refused' } })).status).toBe(429);

    const page = await browser.newPage();
    await page.goto(`${url}/join/?code=${workshop.code}`);
    await page.getByLabel('Your name').fill('Latecomer');
    await page.getByRole('button', { name: 'Join the workshop' }).click();
    await expect
      .poll(() => page.locator('#join-status').textContent(), { timeout: 10_000 })
      .toMatch(/^Many people are joining from your network at once: trying again in \d s…$/);
    expect(await page.locator('#join-error').textContent()).toBe('');
    await expect
      .poll(() => fake.dockhand.workshops.progress(workshop.code).participants.map((p) => p.name), { timeout: 15_000 })
      .toContain('Latecomer');
  });
});
