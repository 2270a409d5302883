// Another site's page in Chromium tries to make its visitor start sandboxes on Dockhand (issue 20, item
// 5): a no-cors fetch, a text/plain form that spells JSON, a beacon and a preflighted fetch. None makes
// a session, and none reaches a handler: the JSON body type and the Origin check refuse them all.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';

const stateDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-e2e-cross-site-'));
let dockhand: Dockhand;
let browser: TestBrowser;
let attacker: Server;
const seen: { method: string; url: string; status: number }[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: stateDir }), () => {});
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(attackPage(`${dockhand.url}/api/sessions`));
  });
  attacker.listen(0, '127.0.0.1');
  await once(attacker, 'listening');
});

afterAll(async () => {
  await browser?.close();
  attacker?.close();
  await dockhand?.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** The page another site serves: each way a page can send a POST to another origin without asking. */
function attackPage(target: string): string {
  return `<!doctype html><title>another site</title><pre id="out">running</pre>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="POST" action="${target}" enctype="text/plain" target="sink"><input name='{"a":"' value='"}'></form>
<script>
  const settle = (promise) => promise.then((r) => r.type === 'opaque' ? 'sent (opaque)' : r.status, (e) => 'blocked: ' + e.message);
  const formSent = new Promise((resolve) => {
    document.getElementById('sink').addEventListener('load', () => resolve('sent'), { once: true });
    document.getElementById('form').submit();
  });
  let beacon;
  try {
    beacon = navigator.sendBeacon('${target}', new Blob(['{}'], { type: 'text/plain' })) ? 'queued' : 'refused';
  } catch (e) {
    beacon = 'threw: ' + e.message;
  }
  Promise.all([
    settle(fetch('${target}', { method: 'POST', mode: 'no-cors', body: '{}' })),
    settle(fetch('${target}', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' })),
    settle(fetch('${target}', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })),
    formSent,
  ]).then((results) => { document.getElementById('out').textContent = JSON.stringify({ results, beacon }); });
</script>`;
}

it('a page on another origin cannot make its visitor start a session', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  page.on('response', (response) => {
    if (response.url().startsWith(dockhand.url))
      seen.push({ method: response.request().method(), url: response.url(), status: response.status() });
  });
  const origin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  await page.goto(`${origin}/`);
  await expect.poll(() => page.locator('#out').textContent(), { timeout: 20_000 }).not.toBe('running');
  const report = JSON.parse((await page.locator('#out').textContent()) ?? '{}') as { results: unknown[]; beacon: string };
  // The no-cors fetches and the form went out (the browser did not stop them): the server refused them.
  expect(report.results.slice(0, 2)).toEqual(['sent (opaque)', 'sent (opaque)']);
  // A JSON fetch needs a preflight, which Dockhand never grants.
  expect(String(report.results[2])).toMatch(/^blocked/);
  // Two no-cors fetches and the form, and a queued beacon too: all answered before counting.
  const posts = report.beacon === 'queued' ? 4 : 3;
  await expect.poll(() => seen.filter((entry) => entry.method === 'POST').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(posts);
  expect(dockhand.sessions.liveCount()).toBe(0);
  expect(seen.filter((entry) => entry.method === 'POST').every((entry) => entry.status === 403 || entry.status === 415)).toBe(true);
  await page.close();
});
