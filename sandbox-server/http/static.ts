// Serves the built site (dist/) through sirv: ETag and 304, Range, and paths kept inside the folder.
// Astro fingerprints everything under _astro/, so those files are cached for a year; pages revalidate.
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import { sendError } from './respond.ts';

const HASHED = '/_astro/';

export type StaticSite = (req: IncomingMessage, res: ServerResponse, pathname: string) => void;

export function createStaticSite(siteDir: string): StaticSite {
  const serve = sirv(siteDir, {
    // Looks files up on each request rather than listing the folder once, so a rebuilt site is served as is.
    dev: true,
    etag: true,
    setHeaders(res, pathname) {
      res.setHeader('cache-control', pathname.startsWith(HASHED) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, `${req.method} is not allowed here`);
    serve(req, res, () => sendError(res, 404, `nothing at ${pathname}`));
  };
}
