// A room joining from one network, in Chromium: once the room's allowance is spent, the join page counts
// the refusal's wait down and tries again by itself, so nobody has to press Join twice. The countdown
// stays beside the button (it used to jump under it and back as its text changed), and a screen reader
// hears it once, not every second. The server runs on the fake backend (joining is what is tested, not
// sandboxes).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkshopView } from '../../sandbox-server/protocol/workshops.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api } from '../../scripts/lib/api.ts';
import { launchBrowser, screenshot, type TestBrowser } from '../support/browser.ts';
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
    const status = page.locator('#join-status');
    await expect.poll(() => status.locator('.countdown').textContent(), { timeout: 10_000 }).toMatch(/^\d s…$/);
    const said = await status.ariaSnapshot();
    expect(said).toContain('Many people are joining from your network at once: trying again in a few seconds…');
    expect(await page.locator('#join-error').textContent()).toBe('');
    const button = await page.getByRole('button', { name: 'Join the workshop' }).boundingBox();
    const box = await status.boundingBox();
    expect(box && button && box.y < button.y + button.height, 'the countdown sits beside the Join button').toBe(true);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `join-rate-countdown-${scheme}`);
    }
    // Until the join goes through: the seconds tick on screen, and what a screen reader is told stays as it was.
    const moments: { shown: string; said: string }[] = [];
    for (;;) {
      // Not the locator's evaluate: it would wait for the status on the lesson page that follows.
      const moment = await page
        .evaluate(() => {
          const element = document.querySelector('#join-status');
          if (!element?.querySelector('.countdown')) return null;
          const text = (hide: string) => {
            const copy = element.cloneNode(true) as HTMLElement;
            for (const hidden of copy.querySelectorAll(hide)) hidden.remove();
            return copy.textContent ?? '';
          };
          return { shown: text('.visually-hidden'), said: text('[aria-hidden="true"]') };
        })
        .catch(() => null);
      if (!moment) break;
      moments.push(moment);
      await page.waitForTimeout(100);
    }
    for (const { shown } of moments) expect(shown).toMatch(/^Many people are joining from your network at once: trying again in \d s…$/);
    expect(new Set(moments.map((moment) => moment.said))).toEqual(
      new Set(['Many people are joining from your network at once: trying again in a few seconds…']),
    );
    expect(moments.at(-1)?.shown, 'the seconds counted down').toMatch(/ 1 s…$/);
    await expect
      .poll(() => fake.dockhand.workshops.progress(workshop.code).participants.map((p) => p.name), { timeout: 15_000 })
      .toContain('Latecomer');
  });
});
