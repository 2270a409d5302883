import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHealthRoute } from '../../sandbox-server/api/health.ts';
import { createApp } from '../../sandbox-server/http/app.ts';
import { sendJson } from '../../sandbox-server/http/respond.ts';
import { createRouter } from '../../sandbox-server/http/router.ts';
import { connectHostEngine, engineVersion } from '../../sandbox-server/sandboxes/docker.ts';
import { listenLocally } from '../support/listen.ts';

let server: Server;
let base: string;
let siteDir: string;
const ADMIN = 'admin-token-for-the-http-test';
const internalErrors: unknown[] = [];

beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'dockhand-http-'));
  siteDir = path.join(root, 'dist');
  await mkdir(path.join(siteDir, 'lessons'), { recursive: true });
  await writeFile(path.join(siteDir, 'index.html'), '<h1>home</h1>');
  await writeFile(path.join(siteDir, 'lessons', 'index.html'), '<h1>lessons</h1>');
  await writeFile(path.join(root, 'secret.txt'), 'outside the site');
  const engine = connectHostEngine();
  const router = createRouter();
  addHealthRoute(router, { problems: () => [], details: async () => ({ docker: await engineVersion(engine) }) }, ADMIN);
  router.add('POST', '/api/echo', async (_req, res) => sendJson(res, 200, { done: true }));
  router.add('DELETE', '/api/echo', async (_req, res) => sendJson(res, 200, { done: true }));
  router.add('GET', '/api/broken', async () => {
    throw new Error('ENOENT: /run/dockhand/secret/path is gone');
  });
  server = createApp({ siteDir, router, onInternalError: (error) => internalErrors.push(error) });
  base = await listenLocally(server);
});

afterAll(async () => {
  server.close();
  await rm(path.dirname(siteDir), { recursive: true, force: true });
});

describe('the HTTP server', () => {
  it('answers /api/health with the real Docker Engine version, to the admin token only', async () => {
    const response = await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; docker: { version: string } };
    expect(body.ok).toBe(true);
    expect(body.docker.version).toMatch(/^\d+\.\d+/);
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }] as Record<string, string>[]) {
      expect(await (await fetch(`${base}/api/health`, { headers })).json()).toEqual({ ok: true, problems: [] });
    }
  });

  it('answers a bug with a sentence, never its message (which goes to the log)', async () => {
    const response = await fetch(`${base}/api/broken`);
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: string; code: string };
    expect(body).toEqual({ error: expect.stringMatching(/^something went wrong inside Dockhand/), code: 'internal' });
    expect(JSON.stringify(body)).not.toMatch(/ENOENT|\/run\//);
    expect(String(internalErrors.at(-1))).toMatch(/ENOENT/);
  });

  describe('state-changing API calls', () => {
    const call = (method: string, headers: Record<string, string>, body?: string) =>
      fetch(`${base}/api/echo`, { method, headers, body }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));

    it('need a JSON body type, even without a body (a form or a no-cors fetch cannot send one)', async () => {
      for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        for (const method of ['POST', 'DELETE']) {
          const refused = await call(method, headers, method === 'POST' ? '{}' : undefined);
          expect(refused).toEqual({
            status: 415,
            body: { error: expect.stringMatching(/Content-Type: application\/json/), code: 'json_required' },
          });
        }
      }
      expect(await call('POST', { 'content-type': 'application/json; charset=utf-8' }, '{}')).toEqual({
        status: 200,
        body: { done: true },
      });
      expect(await call('DELETE', { 'content-type': 'application/json' })).toEqual({ status: 200, body: { done: true } });
    });

    it('refuse another origin, and pass their own origin and programs without one', async () => {
      const json = { 'content-type': 'application/json' };
      const host = new URL(base).host;
      for (const origin of ['http://evil.example', `http://${host}.evil.example`, 'null', `https://${host.replace(/:\d+$/, ':1')}`]) {
        expect(await call('POST', { ...json, origin }, '{}')).toMatchObject({ status: 403, body: { code: 'foreign_origin' } });
      }
      expect(await call('POST', { ...json, origin: base }, '{}')).toEqual({ status: 200, body: { done: true } });
      expect(await call('POST', json, '{}')).toEqual({ status: 200, body: { done: true } });
    });
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const response = await fetch(`${base}/api/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no API endpoint GET /api/nope', code: 'not_found' });
  });

  it('refuses other methods on /api/health', async () => {
    const response = await fetch(`${base}/api/health`, { method: 'POST' });
    expect(response.status).toBe(405);
  });

  it('serves the site, with directory indexes', async () => {
    expect(await (await fetch(`${base}/`)).text()).toBe('<h1>home</h1>');
    expect(await (await fetch(`${base}/lessons/`)).text()).toBe('<h1>lessons</h1>');
  });

  // Sent raw: fetch() would normalize the dots away before they reach the server.
  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/lessons/../../secret.txt', '/%E0%A4%A'])(
    'never serves files outside the site: %s',
    async (hostile) => {
      const response = await rawGet(hostile);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain('outside the site');
    },
  );
});

function rawGet(pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { path: pathname }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
