// State-changing API calls come from Dockhand's own pages or from programs, never from another site.
// Requiring a JSON body type makes any cross-site call a CORS-preflighted one (a form or a no-cors
// fetch can only send text/plain, form or multipart bodies), and Dockhand never grants a preflight; a
// foreign Origin header (which browsers always send on these calls) is refused as a second wall.
// Programs such as curl send no Origin and pass.
import type { IncomingMessage } from 'node:http';
import { DockhandError } from '../errors.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Throws the refusal for a state-changing call that another site's page could have made. */
export function refuseCrossSite(req: IncomingMessage): void {
  if (!STATE_CHANGING.has(req.method ?? 'GET')) return;
  const origin = req.headers.origin;
  if (origin !== undefined && !sameHost(origin, req.headers.host)) {
    throw new DockhandError('foreign_origin', `calls from another site (${origin.slice(0, 100)}) are refused; use Dockhand's own pages`);
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new DockhandError('json_required', 'send this request with Content-Type: application/json (an empty body is fine)');
  }
}

/** The Origin names this server as the client reached it (the Host header; a proxy in front keeps it). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const from = new URL(origin);
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
    // Parsed with the Origin's scheme, so a default port written out ("example.org:443") compares equal.
    return new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    // An Origin that is not a URL names no site of ours: refused like a foreign one.
    return false;
  }
}
