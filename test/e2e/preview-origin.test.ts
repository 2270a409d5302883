// The web preview on its own origin, in Chromium: a learner's page uses localStorage and same-origin
// fetch as it would anywhere, and can neither read Dockhand's storage nor call Dockhand's API as the
// person viewing it, nor claim the preview origin with a service worker. Old preview links on
// Dockhand's origin are sent there. Tickets open only what they were issued for. With a host name per
// session (DOCKHAND_PREVIEW_URL with {session}), a session's previews answer only on its own name.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionLabel } from '../../sandbox-server/preview/origin.ts';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { ensureSiteBuilt } from '../../sandbox-server/site-build.ts';
import { api, type Created, createSession, sessionTicket, upgradeStatus } from '../../scripts/lib/api.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { testConfig } from '../support/env.ts';
import { freePort } from '../support/listen.ts';
import { testBackend } from '../support/sandbox.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const stateDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-e2e-preview-'));

beforeAll(() => ensureSiteBuilt(ROOT, () => {}));
afterAll(() => rm(stateDir, { recursive: true, force: true }));

/** A web server in the session's sandbox on port 8090: `www` files, and `cgi-bin` scripts. */
async function serve(dockhand: Dockhand, session: Created, files: Record<string, string>): Promise<void> {
  const live = dockhand.sessions.live(session.id);
  if (!live) throw new Error('the session is not live');
  const script = [
    'mkdir -p ~/workspace/www/cgi-bin',
    ...Object.entries(files).map(([name, text]) => `cat > ~/workspace/www/${name} <<'EOF'\n${text}\nEOF`),
    'chmod +x ~/workspace/www/cgi-bin/* 2>/dev/null || true',
    'docker run -d -p 8090:80 -v ~/workspace/www:/www busybox httpd -f -p 80 -h /www',
  ].join('\n');
  const started = await runAsLearner(testBackend(), live.sandbox, ['sh', '-c', script]);
  expect(started.exitCode, started.stderr).toBe(0);
}

describe('one preview origin for every session (a laptop)', () => {
  let dockhand: Dockhand;
  let browser: TestBrowser;
  let session: Created;

  beforeAll(async () => {
    browser = await launchBrowser();
    dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: stateDir }), () => {});
    session = await createSession(dockhand.url);
  });

  afterAll(async () => {
    await browser?.close();
    await dockhand?.close();
  });

  it("gives learners' pages their own origin: their storage and fetch work, Dockhand's stay out of reach, no service worker", {
    timeout: 120_000,
  }, async () => {
    // The viewer's own Dockhand page keeps the session token in Dockhand's localStorage.
    const page = await browser.newPage();
    await page.goto(`${dockhand.url}/`);
    await page.evaluate((token) => localStorage.setItem('dockhand.session', JSON.stringify({ token })), session.token);

    // The page tries to install a service worker for its own path and, with the script's
    // Service-Worker-Allowed: /, for the whole preview origin (where it would see other learners' links).
    const probe = `<!doctype html><title>probe</title><pre id="out">running</pre><script>
    localStorage.setItem('mine', 'kept');
    const report = { storage: localStorage.getItem('mine'), dockhand: localStorage.getItem('dockhand.session') };
    const status = (url, options) => fetch(url, options).then((r) => r.status, () => 'blocked');
    const worker = (options) => navigator.serviceWorker.register('cgi-bin/sw', options).then(() => 'installed', () => 'refused');
    Promise.all([
      status('hello.txt'),
      status('/api/sessions/${session.id}'),
      status('${dockhand.url}/api/sessions/${session.id}/files', { credentials: 'include' }),
      worker(),
      worker({ scope: '/' }),
    ]).then(([own, api, dockhandApi, ownWorker, originWorker]) => {
      document.getElementById('out').textContent = JSON.stringify({ ...report, own, api, dockhandApi, ownWorker, originWorker });
    });
  </script>`;
    await serve(dockhand, session, {
      'index.html': probe,
      'hello.txt': 'hi',
      'cgi-bin/sw': `#!/bin/sh\nprintf 'Content-Type: text/javascript\\nService-Worker-Allowed: /\\n\\nself.addEventListener("fetch", () => {});\\n'`,
    });

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
      ownWorker: 'refused',
      originWorker: 'refused',
    });
    expect(await preview.evaluate(() => navigator.serviceWorker.getRegistrations().then((all) => all.length))).toBe(0);

    // A preview link from before the preview had its own origin lands there.
    const old = await fetch(`${dockhand.url}/sessions/${session.id}/preview/8090/hello.txt`, { redirect: 'manual' });
    expect(old.status).toBe(307);
    expect(old.headers.get('location')).toBe(`${dockhand.previewUrl}/sessions/${session.id}/preview/8090/hello.txt`);
    // The learner's page asked for what it must not have: that is the only error the browser saw.
    const expected =
      /api\/sessions\/.*(404|401)|CORS|Failed to (fetch|load)|bad HTTP response code \(403\) was received when fetching the script/;
    expect(browser.errors.filter((error) => !expected.test(error))).toEqual([]);
  });

  it('opens with a ticket only what it was issued for: no preview with a terminal ticket, no terminal with a preview ticket', async () => {
    const ws = dockhand.url.replace(/^http/, 'ws');
    const terminal = (ticket: string) => upgradeStatus(`${ws}/ws/sessions/${session.id}/terminal?ticket=${ticket}&window=1`);
    const events = (ticket: string) => upgradeStatus(`${ws}/ws/sessions/${session.id}/events?ticket=${ticket}`);
    const preview = async (ticket: string) =>
      (await fetch(`${dockhand.previewUrl}/sessions/${session.id}/preview/8090/hello.txt?ticket=${ticket}`, { redirect: 'manual' })).status;
    const ticket = (purpose: 'terminal' | 'events' | 'preview') => sessionTicket(dockhand.url, session.id, session.token, purpose);

    expect(await terminal(await ticket('preview'))).toBe(401);
    expect(await events(await ticket('preview'))).toBe(401);
    expect(await preview(await ticket('terminal'))).toBe(401);
    expect(await preview(await ticket('events'))).toBe(401);
    expect(await terminal(await ticket('events'))).toBe(401);
    // The refused try used the ticket up.
    const used = await ticket('terminal');
    expect(await preview(used)).toBe(401);
    expect(await terminal(used)).toBe(401);
    // Each opens what it is for.
    expect(await preview(await ticket('preview'))).toBe(303);
    expect(await terminal(await ticket('terminal'))).toBe(101);
    expect(await events(await ticket('events'))).toBe(101);
    // A ticket's purpose is one of these, said in a sentence.
    const unknown = await api(dockhand.url, 'POST', `/api/sessions/${session.id}/tickets`, {
      token: session.token,
      body: { purpose: 'admin' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('purpose must be what the ticket opens: "terminal", "events", "preview"');
  });
});

describe('a host name per session (DOCKHAND_PREVIEW_URL=http://{session}.preview.test:PORT)', () => {
  let dockhand: Dockhand;
  let browser: TestBrowser;
  let previewPort: number;

  beforeAll(async () => {
    browser = await launchBrowser({ args: ['--host-resolver-rules=MAP *.preview.test 127.0.0.1'] });
    previewPort = await freePort();
    dockhand = await startDockhand(
      testConfig({
        DOCKHAND_POOL_SIZE: '0',
        DOCKHAND_STATE_DIR: stateDir,
        DOCKHAND_PREVIEW_PORT: String(previewPort),
        DOCKHAND_PREVIEW_URL: `http://{session}.preview.test:${previewPort}`,
      }),
      () => {},
    );
  });

  afterAll(async () => {
    await browser?.close();
    await dockhand?.close();
  });

  it("serves a session's previews on its own host name only", { timeout: 120_000 }, async () => {
    const session = await createSession(dockhand.url);
    await serve(dockhand, session, { 'index.html': '<!doctype html><title>own</title><p id="out">own host</p>', 'hello.txt': 'hi' });
    const origin = `http://${sessionLabel(session.id)}.preview.test:${previewPort}`;
    const ports = await api(dockhand.url, 'GET', `/api/sessions/${session.id}/ports`, { token: session.token });
    const port = (ports.body.ports as { port: number; url: string }[]).find((entry) => entry.port === 8090);
    expect(port?.url).toBe(`${origin}/sessions/${session.id}/preview/8090/`);

    // A link to the session's previews on any other name (another session's, the listener's own
    // address) is refused before its ticket is looked at: one app can never run on another's origin.
    const page = await browser.newPage();
    for (const elsewhere of [`http://${sessionLabel('someone-else')}.preview.test:${previewPort}`, `http://127.0.0.1:${previewPort}`]) {
      const ticket = await sessionTicket(dockhand.url, session.id, session.token, 'preview');
      const refused = await page.goto(`${elsewhere}/sessions/${session.id}/preview/8090/?ticket=${ticket}`);
      expect({ elsewhere, status: refused?.status() }).toEqual({ elsewhere, status: 400 });
      expect(await page.locator('h1').textContent()).toBe('This is not a preview address');
    }

    const ticket = await sessionTicket(dockhand.url, session.id, session.token, 'preview');
    await page.goto(`${port?.url}?ticket=${ticket}`);
    expect(new URL(page.url()).origin).toBe(origin);
    expect(await page.locator('#out').textContent()).toBe('own host');
    // Dockhand's old links on its own origin go to the session's host name.
    const old = await fetch(`${dockhand.url}/sessions/${session.id}/preview/8090/hello.txt`, { redirect: 'manual' });
    expect(old.headers.get('location')).toBe(`${origin}/sessions/${session.id}/preview/8090/hello.txt`);
  });
});
