// What the preview proxy forwards and how: the port from the URL, the path under the prefix, and the
// headers in both directions. The upstream is always a port of the session's own sandbox, dialled by its
// backend; nothing a client sends (path, Host, absolute URLs) can point the proxy elsewhere.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

export type PreviewTarget = {
  /** A connection to a port of the session's sandbox (the backend's dialPort). */
  dial(port: number): Promise<Duplex>;
  /** The port as it appears in the URL; checked here. */
  port: string;
  /** The URL path the preview lives under, e.g. /sessions/abc/preview/5000 (no trailing slash). */
  prefix: string;
};

export type PreviewOptions = {
  /** How long the upstream may take to send its response headers (or accept a WebSocket). */
  timeoutMs?: number;
  /** Dockhand's own cookies, by the start of their names: never sent to the learner's app, and the app may not set them. */
  privateCookies?: string[];
};

export const DEFAULT_TIMEOUT_MS = 30_000;

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

export function parsePort(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function badPortMessage(text: string): string {
  return `"${text}" is not a port; use a number from 1 to 65535, the host side of docker run -p.`;
}

export type UpstreamPath = { kind: 'path'; path: string } | { kind: 'redirect'; location: string } | { kind: 'outside' };

/**
 * The path and query to request upstream. The bare prefix redirects to prefix + '/', so relative links in
 * the page resolve under the prefix.
 */
function upstreamPath(url: string, prefix: string): UpstreamPath {
  if (!url.startsWith(prefix)) return { kind: 'outside' };
  const rest = url.slice(prefix.length);
  if (rest === '' || rest.startsWith('?')) return { kind: 'redirect', location: `${prefix}/${rest}` };
  if (!rest.startsWith('/')) return { kind: 'outside' };
  return { kind: 'path', path: rest };
}

export type PreviewRoute =
  | { ok: true; port: number; path: string }
  | { ok: false; status: 308; location: string }
  | { ok: false; status: 400 | 404; message: string };

/** Where a preview request goes upstream (port and path), or why it goes nowhere. */
export function routePreview(url: string, target: PreviewTarget): PreviewRoute {
  const port = parsePort(target.port);
  if (port === undefined) return { ok: false, status: 400, message: badPortMessage(target.port) };
  const path = upstreamPath(url, target.prefix);
  if (path.kind === 'outside') return { ok: false, status: 404, message: `${url} is not under the preview ${target.prefix}/.` };
  if (path.kind === 'redirect') return { ok: false, status: 308, location: path.location };
  return { ok: true, port, path: path.path };
}

export function upstreamRequestHeaders(
  req: IncomingMessage,
  port: number,
  target: PreviewTarget,
  options: PreviewOptions,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = withoutHopByHop(req.headers);
  // Dev servers (Vite, webpack) only answer Host names they trust; localhost is what the learner types.
  headers.host = `localhost:${port}`;
  headers['x-forwarded-proto'] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  headers['x-forwarded-prefix'] = target.prefix;
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  if (req.socket.remoteAddress) headers['x-forwarded-for'] = req.socket.remoteAddress;
  const cookie = withoutPrivateCookies(req.headers.cookie, options.privateCookies ?? []);
  if (cookie) headers.cookie = cookie;
  else delete headers.cookie;
  return headers;
}

export function clientResponseHeaders(
  upstream: IncomingHttpHeaders,
  port: number,
  target: PreviewTarget,
  options: PreviewOptions,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = withoutHopByHop(upstream);
  for (const name of ['location', 'content-location']) {
    const value = upstream[name];
    if (typeof value === 'string') headers[name] = rewriteLocation(value, port, target);
  }
  const setCookie = upstream['set-cookie']
    ?.filter((line) => !isPrivate(cookieName(line), options.privateCookies ?? []))
    .map((line) => confineCookie(line, target));
  if (setCookie?.length) headers['set-cookie'] = setCookie;
  else delete headers['set-cookie'];
  // An app must not claim more of the preview origin than its own prefix: a service worker it may
  // register for `/` would see every later preview opened in that browser (and their tickets).
  delete headers['service-worker-allowed'];
  return headers;
}

/**
 * Redirects the app sends for itself (`/login`, `http://localhost:5000/login`) stay under the prefix;
 * relative ones already do, and redirects to other sites are left alone.
 */
function rewriteLocation(location: string, port: number, target: PreviewTarget): string {
  if (location.startsWith('/') && !location.startsWith('//')) return target.prefix + location;
  if (!location.startsWith('//') && !/^[a-z][a-z0-9+.-]*:/i.test(location)) return location;
  let url: URL;
  try {
    url = new URL(location, 'http://upstream.invalid');
  } catch {
    return location;
  }
  const ownHosts = ['localhost', '127.0.0.1', '0.0.0.0', '[::1]'];
  const ownPort = (url.port || (url.protocol === 'http:' ? '80' : '')) === String(port);
  if (url.protocol !== 'http:' || !ownHosts.includes(url.hostname) || !ownPort) return location;
  return target.prefix + url.pathname + url.search + url.hash;
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  const copy: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.includes(name) && !listed.includes(name)) copy[name] = value;
  }
  return copy;
}

function withoutPrivateCookies(header: string | undefined, privateCookies: string[]): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !isPrivate(cookieName(pair), privateCookies));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

function cookieName(pair: string): string {
  return pair.split('=', 1)[0]?.trim() ?? '';
}

function isPrivate(name: string, privateCookies: string[]): boolean {
  return privateCookies.some((start) => name.startsWith(start));
}

/**
 * A cookie the app sets stays the app's: no `Domain` (on a host per session, the parent domain would
 * reach every other session's host), and its `Path` under the prefix (`Path=/` is the app's root, not
 * the preview origin's), so it never reaches another learner's app or shadows another's cookies.
 */
function confineCookie(line: string, target: PreviewTarget): string {
  const [pair = '', ...attributes] = line.split(';');
  const kept = attributes.flatMap((attribute) => {
    const [key = '', ...rest] = attribute.split('=');
    const name = key.trim().toLowerCase();
    if (name === 'domain') return [];
    if (name !== 'path') return [attribute.trim()];
    const path = rest.join('=').trim();
    if (path === target.prefix || path.startsWith(`${target.prefix}/`)) return [`Path=${path}`];
    // A path that does not start with '/' is ignored by browsers: the default (under the prefix) applies.
    return path.startsWith('/') ? [`Path=${target.prefix}${path}`] : [];
  });
  return [pair.trim(), ...kept].join('; ');
}
