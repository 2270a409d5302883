import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHealthRoute } from '../../sandbox-server/api/health.ts';
import { createApp } from '../../sandbox-server/http/app.ts';
import { createRouter } from '../../sandbox-server/http/router.ts';
import { connectHostEngine, engineVersion } from '../../sandbox-server/sandboxes/docker.ts';
import { listenLocally } from '../support/listen.ts';

let server: Server;
let base: string;
let siteDir: string;

beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'dockhand-http-'));
  siteDir = path.join(root, 'dist');
  await mkdir(path.join(siteDir, 'lessons'), { recursive: true });
  await writeFile(path.join(siteDir, 'index.html'), '<h1>home</h1>');
  await writeFile(path.join(siteDir, 'lessons', 'index.html'), '<h1>lessons</h1>');
  await writeFile(path.join(root, 'secret.txt'), 'outside the site');
  const engine = connectHostEngine();
  const router = createRouter();
  addHealthRoute(router, async () => ({ problems: [], docker: await engineVersion(engine) }));
  server = createApp({ siteDir, router });
  base = await listenLocally(server);
});

afterAll(async () => {
  server.close();
  await rm(path.dirname(siteDir), { recursive: true, force: true });
});

describe('the HTTP server', () => {
  it('answers /api/health with the real Docker Engine version', async () => {
    const response = await fetch(`${base}/api/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; docker: { version: string } };
    expect(body.ok).toBe(true);
    expect(body.docker.version).toMatch(/^\d+\.\d+/);
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

  // Sent raw: fetch() would normalise the dots away before they reach the server.
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
