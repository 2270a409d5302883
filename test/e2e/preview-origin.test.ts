// The web preview on its own origin, in Chromium: a learner's page uses localStorage and same-origin
// fetch as it would anywhere, and can neither read Dockhand's storage nor call Dockhand's API as the
// person viewing it. Old preview links on Dockhand's origin are sent there.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api, createSession, sessionTicket } from '../support/api.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const stateDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-e2e-preview-'));
let dockhand: Dockhand;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureSiteBuilt(ROOT, () => {});
  browser = await launchBrowser();
  dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: stateDir }), () => {});
});

afterAll(async () => {
  await browser?.close();
  await dockhand?.close();
  await rm(stateDir, { recursive: true, force: true });
});

it("gives learners' pages their own origin: their storage and fetch work, Dockhand's stay out of reach", { timeout: 120_000 }, async () => {
  const session = await createSession(dockhand.url);
  const live = dockhand.sessions.live(session.id);
  if (!live) throw new Error('the session is not live');
  // The viewer's own Dockhand page keeps the session token in Dockhand's localStorage.
  const page = await browser.newPage();
  await page.goto(`${dockhand.url}/`);
  await page.evaluate((token) => localStorage.setItem('dockhand.session', JSON.stringify({ token })), session.token);

  const probe = `<!doctype html><title>probe</title><pre id="out">running</pre><script>
    localStorage.setItem('mine', 'kept');
    const report = { storage: localStorage.getItem('mine'), dockhand: localStorage.getItem('dockhand.session') };
    const status = (url, options) => fetch(url, options).then((r) => r.status, () => 'blocked');
    Promise.all([
      status('hello.txt'),
      status('/api/sessions/${session.id}'),
      status('${dockhand.url}/api/sessions/${session.id}/files', { credentials: 'include' }),
    ]).then(([own, api, dockhandApi]) => {
      document.getElementById('out').textContent = JSON.stringify({ ...report, own, api, dockhandApi });
    });
  </script>`;
  const serve = [
    'mkdir -p ~/workspace/www',
    `cat > ~/workspace/www/index.html <<'EOF'\n${probe}\nEOF`,
    'echo hi > ~/workspace/www/hello.txt',
    'docker run -d -p 8090:80 -v ~/workspace/www:/www busybox httpd -f -p 80 -h /www',
  ].join('\n');
  const started = await runAsLearner(testBackend(), live.sandbox, ['sh', '-c', serve]);
  expect(started.exitCode, started.stderr).toBe(0);

  const ports = await api(dockhand.url, 'GET', `/api/sessions/${session.id}/ports`, { token: session.token });
  const port = (ports.body.ports as { port: number; url: string }[]).find((entry) => entry.port === 8090);
  expect(port?.url).toBe(`${dockhand.previewUrl}/sessions/${session.id}/preview/8090/`);
  const ticket = await sessionTicket(dockhand.url, session.id, session.token, 'preview');
  const preview = await browser.newPage();
  await preview.goto(`${port?.url}?ticket=${ticket}`);
  expect(new URL(preview.url()).origin).toBe(dockhand.previewUrl);
  await expect.poll(() => preview.locator('#out').textContent(), { timeout: 15_000 }).not.toBe('running');
  expect(JSON.parse((await preview.locator('#out').textContent()) ?? '{}')).toEqual({
    storage: 'kept',
    dockhand: null,
    own: 200,
    api: 404,
    dockhandApi: 'blocked',
  });

  // A preview link from before the preview had its own origin lands there.
  const old = await fetch(`${dockhand.url}/sessions/${session.id}/preview/8090/hello.txt`, { redirect: 'manual' });
  expect(old.status).toBe(307);
  expect(old.headers.get('location')).toBe(`${dockhand.previewUrl}/sessions/${session.id}/preview/8090/hello.txt`);
  // The learner's page asked for what it must not have: that is the only error the browser saw.
  expect(browser.errors.filter((error) => !/api\/sessions\/.*(404|401)|CORS|Failed to (fetch|load)/.test(error))).toEqual([]);
});
