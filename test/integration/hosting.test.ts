// Dockhand as people host it: HTTPS served directly (DOCKHAND_TLS_CERT/KEY), and behind Debian's nginx
// running the recipe in deploy/nginx/dockhand.conf for real: pages, the API, the terminal and events
// WebSockets and the web preview, over TLS, with certificates this test makes.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { SessionTicketPurpose } from '../../sandbox-server/protocol/sessions.ts';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { connectTerminal } from '../../scripts/lib/terminal-client.ts';
import { testConfig } from '../support/env.ts';
import { freePort } from '../support/listen.ts';
import { testBackend } from '../support/sandbox.ts';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-hosting-'));
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');
let ca: Buffer;

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** An HTTPS request that trusts only the test's own certificate. */
function httpsRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function newSession(base: string): Promise<{ id: string; token: string }> {
  const created = await httpsRequest(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(created.status, created.body).toBe(201);
  return JSON.parse(created.body) as { id: string; token: string };
}

/** A single-use ticket for one of the session's sockets or its preview, over HTTPS. */
async function ticketFor(base: string, session: { id: string; token: string }, purpose: SessionTicketPurpose): Promise<string> {
  const answer = await httpsRequest(`${base}/api/sessions/${session.id}/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ purpose }),
  });
  expect(answer.status, answer.body).toBe(201);
  return (JSON.parse(answer.body) as { ticket: string }).ticket;
}

async function promptOver(base: string, session: { id: string; token: string }): Promise<void> {
  const ticket = await ticketFor(base, session, 'terminal');
  const terminal = await connectTerminal(`${base.replace(/^https/, 'wss')}/ws/sessions/${session.id}/terminal?ticket=${ticket}&window=1`, {
    ca,
  });
  await terminal.waitFor(/learner@dockhand/, 20_000);
  terminal.send('echo through-$((6*7))\r');
  await terminal.waitFor(/through-42/, 10_000);
  await terminal.close();
}

beforeAll(async () => {
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  ca = await readFile(certFile);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('HTTPS served by Dockhand itself', () => {
  let dockhand: Dockhand;
  beforeAll(async () => {
    dockhand = await startDockhand(
      testConfig({
        DOCKHAND_TLS_CERT: certFile,
        DOCKHAND_TLS_KEY: keyFile,
        DOCKHAND_POOL_SIZE: '0',
        DOCKHAND_STATE_DIR: path.join(dir, 'tls'),
      }),
      () => {},
    );
  });
  afterAll(async () => {
    await dockhand?.close();
  });

  it('serves pages with security headers, the API and WSS terminals over TLS', async () => {
    expect(dockhand.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const page = await httpsRequest(`${dockhand.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await httpsRequest(`${dockhand.url}/api/health`)).status).toBe(200);
    await promptOver(dockhand.url, await newSession(dockhand.url));
  });

  it('refuses to start when the key cannot be read, saying which file, before anything starts', () => {
    // The settings are checked when they are read, before anything slow (config.ts).
    expect(() =>
      testConfig({
        DOCKHAND_TLS_CERT: certFile,
        DOCKHAND_TLS_KEY: path.join(dir, 'missing.pem'),
        DOCKHAND_STATE_DIR: path.join(dir, 'bad'),
      }),
    ).toThrow(/DOCKHAND_TLS_KEY .*missing\.pem cannot be read \(ENOENT\)/);
  });
});

describe('behind nginx with the recipe in deploy/nginx/dockhand.conf', () => {
  let dockhand: Dockhand;
  let nginx: ChildProcess;
  let httpsBase: string;
  let previewBase: string;
  let httpPort: number;
  const accessLog = path.join(dir, 'access.log');

  beforeAll(async () => {
    httpPort = await freePort();
    const tlsPort = await freePort();
    const previewTlsPort = await freePort();
    httpsBase = `https://127.0.0.1:${tlsPort}`;
    previewBase = `https://127.0.0.1:${previewTlsPort}`;
    dockhand = await startDockhand(
      testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_PREVIEW_URL: previewBase, DOCKHAND_STATE_DIR: path.join(dir, 'proxied') }),
      () => {},
    );
    const [site = '', preview = ''] = (await readFile(path.join(ROOT, 'deploy/nginx/dockhand.conf'), 'utf8')).split('# The web preview');
    const common = (text: string) =>
      text
        .replace('/etc/letsencrypt/live/dockhand.example.org/fullchain.pem', certFile)
        .replace('/etc/letsencrypt/live/dockhand.example.org/privkey.pem', keyFile)
        .replaceAll('/var/log/nginx/dockhand.access.log', accessLog);
    const recipe = [
      common(site)
        .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${dockhand.port};`)
        .replace('server 127.0.0.1:8081;', `server 127.0.0.1:${dockhand.previewPort};`)
        .replace('listen 80;', `listen 127.0.0.1:${httpPort};`)
        .replace('listen 443 ssl http2;', `listen 127.0.0.1:${tlsPort} ssl http2;`),
      common(preview).replace('listen 443 ssl http2;', `listen 127.0.0.1:${previewTlsPort} ssl http2;`),
    ].join('# The web preview');
    const directives = recipe.split('\n').filter((line) => !line.trim().startsWith('#'));
    expect(directives.join('\n')).not.toMatch(/:808[01]|letsencrypt|\/var\/log/);
    await writeFile(path.join(dir, 'dockhand.conf'), recipe);
    await writeFile(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'user root;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        'events {}',
        'http {',
        `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;`,
        `  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi; access_log off;`,
        `  include ${dir}/dockhand.conf;`,
        '}',
      ].join('\n'),
    );
    nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
    await vi.waitFor(() => httpsRequest(`${httpsBase}/api/health`), { timeout: 10_000, interval: 100 });
    await vi.waitFor(() => expect(dockhand.pool.stats().ready).toBe(1), { timeout: 60_000, interval: 100 });
  });

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    if (nginx && nginx.exitCode === null) await once(nginx, 'exit');
    await dockhand?.close();
  });

  it('sends plain HTTP to HTTPS', async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/lessons/`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe(`https://127.0.0.1/lessons/`);
  });

  it("serves pages with Dockhand's headers and HSTS, and the API", async () => {
    const page = await httpsRequest(`${httpsBase}/`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<html/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(JSON.parse((await httpsRequest(`${httpsBase}/api/health`)).body)).toMatchObject({ ok: true });
  });

  it('carries the terminal and the events WebSockets, and the web preview, and logs no token or ticket', async () => {
    const session = await newSession(httpsBase);
    const wsBase = httpsBase.replace(/^https/, 'wss');
    await promptOver(httpsBase, session);

    const events = new WebSocket(`${wsBase}/ws/sessions/${session.id}/events?ticket=${await ticketFor(httpsBase, session, 'events')}`, {
      ca,
    });
    const [first] = (await once(events, 'message')) as [Buffer];
    expect(JSON.parse(first.toString())).toEqual({ type: 'sandbox', state: 'ready' });
    events.close();

    const live = dockhand.sessions.live(session.id);
    if (!live) throw new Error('the session is not live');
    const serve = 'mkdir -p /www && echo proxied-preview > /www/index.html && httpd -f -p 80 -h /www';
    const started = await runAsLearner(testBackend(), live.sandbox, ['docker', 'run', '-d', '-p', '5000:80', 'busybox', 'sh', '-c', serve]);
    expect(started.exitCode, started.stderr).toBe(0);
    // The ports API names the preview's own origin, as the proxy serves it.
    await expect
      .poll(
        async () =>
          JSON.parse(
            (await httpsRequest(`${httpsBase}/api/sessions/${session.id}/ports`, { headers: { authorization: `Bearer ${session.token}` } }))
              .body,
          ),
        { timeout: 15_000 },
      )
      .toMatchObject({ ports: [{ port: 5000, url: `${previewBase}/sessions/${session.id}/preview/5000/` }] });
    const entry = await httpsRequest(
      `${previewBase}/sessions/${session.id}/preview/5000/?ticket=${await ticketFor(httpsBase, session, 'preview')}`,
    );
    expect(entry.status).toBe(303);
    // Browsers reach the preview over HTTPS (through nginx): its cookie never travels in the clear.
    expect(String(entry.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    const cookie = String(entry.headers['set-cookie']).split(';')[0] as string;
    await expect
      .poll(
        async () => {
          const answer = await httpsRequest(`${previewBase}/sessions/${session.id}/preview/5000/`, { headers: { cookie } });
          return `${answer.status} ${answer.body}`;
        },
        { timeout: 15_000 },
      )
      .toBe('200 proxied-preview\n');
    // Dockhand's own origin sends old preview links to the preview's.
    const old = await httpsRequest(`${httpsBase}/sessions/${session.id}/preview/5000/`);
    expect([old.status, old.headers.location]).toEqual([307, `${previewBase}/sessions/${session.id}/preview/5000/`]);

    const log = await readFile(accessLog, 'utf8');
    expect(log).toContain(`GET /ws/sessions/${session.id}/terminal`);
    expect(log).not.toContain(session.token);
  });
});
