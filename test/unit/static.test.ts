import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../sandbox-server/http/app.ts';
import { createRouter } from '../../sandbox-server/http/router.ts';
import { listenLocally } from '../support/listen.ts';

let root: string;
let server: Server;
let base: string;
const SCRIPT = 'console.log("hashed");\n';
const NOT_FOUND_PAGE = '<h1>Page not found</h1>';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dockhand-static-'));
  const site = path.join(root, 'dist');
  await mkdir(path.join(site, '_astro'), { recursive: true });
  await mkdir(path.join(site, 'lessons', 'hello'), { recursive: true });
  await writeFile(path.join(site, 'index.html'), '<h1>home</h1>');
  await writeFile(path.join(site, 'lessons', 'hello', 'index.html'), '<h1>hello</h1>');
  await writeFile(path.join(site, '_astro', 'page.abc123.js'), SCRIPT);
  await writeFile(path.join(site, '404.html'), NOT_FOUND_PAGE);
  server = createApp({ siteDir: site, router: createRouter() });
  base = await listenLocally(server);
});

afterAll(async () => {
  server.close();
  await rm(root, { recursive: true, force: true });
});

describe('the built site', () => {
  it('serves pages with directory indexes, revalidated on every visit', async () => {
    const page = await fetch(`${base}/lessons/hello/`);
    expect(await page.text()).toBe('<h1>hello</h1>');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await (await fetch(`${base}/lessons/hello`)).text()).toBe('<h1>hello</h1>');
  });

  it('caches fingerprinted assets for a year', async () => {
    const asset = await fetch(`${base}/_astro/page.abc123.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers a repeated request with 304 when the ETag still matches', async () => {
    const first = await fetch(`${base}/`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${base}/`, { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('serves byte ranges', async () => {
    const part = await fetch(`${base}/_astro/page.abc123.js`, { headers: { range: 'bytes=0-6' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-6/${SCRIPT.length}`);
    expect(await part.text()).toBe('console');
    const beyond = await fetch(`${base}/_astro/page.abc123.js`, { headers: { range: 'bytes=999-' } });
    expect(beyond.status).toBe(416);
  });

  it('answers what is not there with a JSON 404, and other methods with 405', async () => {
    const missing = await fetch(`${base}/nope.html`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'nothing at /nope.html', code: 'not_found' });
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });

  it("gives a browser the site's 404 page, with the site's headers, and programs their JSON", async () => {
    const page = await fetch(`${base}/lessons/no-such-lesson/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toBe(NOT_FOUND_PAGE);
    const head = await fetch(`${base}/nope/`, { method: 'HEAD', headers: { accept: BROWSER_ACCEPT } });
    expect(head.status).toBe(404);
    expect(await head.text()).toBe('');
    for (const accept of ['*/*', 'application/json', 'text/htmlx']) {
      const json = await fetch(`${base}/nope/`, { headers: { accept } });
      expect(await json.json()).toEqual({ error: 'nothing at /nope/', code: 'not_found' });
    }
    const api = await fetch(`${base}/api/nope`, { headers: { accept: BROWSER_ACCEPT } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { code: string }).code).toBe('not_found');
  });
});
