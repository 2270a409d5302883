// Serves the built site (dist/) through sirv: ETag and 304, Range, and paths kept inside the folder.
// Astro fingerprints everything under _astro/, so those files are cached for a year; pages revalidate.
// A browser asking for a page that is not there gets the site's own 404 page (Astro builds 404.html).
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import sirv from 'sirv';
import { wantsPage } from './accept.ts';
import { sendError } from './respond.ts';

const HASHED = '/_astro/';

export type StaticSite = (req: IncomingMessage, res: ServerResponse, pathname: string) => void;

/**
 * The site's own pages: scripts only from the site itself (Astro bundles them all), styles inline too
 * (Monaco and xterm add their own), no framing by other sites, no referrer sent with links out.
 */
export const SITE_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

export function createStaticSite(siteDir: string): StaticSite {
  const serve = sirv(siteDir, {
    // Looks files up on each request rather than listing the folder once, so a rebuilt site is served as is.
    dev: true,
    etag: true,
    setHeaders(res, pathname) {
      res.setHeader('cache-control', pathname.startsWith(HASHED) ? 'public, max-age=31536000, immutable' : 'no-cache');
      for (const [name, value] of Object.entries(SITE_HEADERS)) res.setHeader(name, value);
    },
  });
  const notFoundPage = path.join(siteDir, '404.html');
  const notFound = async (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    // Read each time, as sirv looks files up each time: a rebuilt site brings its new page.
    const page = wantsPage(req) ? await readFile(notFoundPage).catch(() => undefined) : undefined;
    if (!page) return sendError(res, 404, `nothing at ${pathname}`);
    res.writeHead(404, {
      ...SITE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-length': page.length,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : page);
  };
  return (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, `${req.method} is not allowed here`);
    serve(req, res, () => void notFound(req, res, pathname));
  };
}
