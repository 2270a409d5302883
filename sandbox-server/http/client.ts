// Who is asking, as every bound per client counts it: the client's address (X-Forwarded-For only from
// DOCKHAND_TRUSTED_PROXIES), keyed so that one client is one key, and the scheme the client used.
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

/** The client's key for admission and rate limits (see clientKey). */
export function requestClient(req: IncomingMessage, trustedProxies: readonly string[]): string {
  return clientKey(clientAddress(req.socket.remoteAddress, header(req, 'x-forwarded-for'), trustedProxies));
}

/**
 * The scheme the client used: TLS on this connection, or, from a trusted proxy, its X-Forwarded-Proto
 * (anyone else could claim https).
 */
export function requestScheme(req: IncomingMessage, trustedProxies: readonly string[]): 'http' | 'https' {
  if ('encrypted' in req.socket && req.socket.encrypted) return 'https';
  if (!trustedProxies.includes(normalizeAddress(req.socket.remoteAddress ?? ''))) return 'http';
  const proto = header(req, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https' ? 'https' : 'http';
}

/**
 * The client's address: the connection's, or, when the connection comes from a trusted proxy, the last
 * address in X-Forwarded-For that is not itself a trusted proxy (anything before it could be forged).
 */
export function clientAddress(remote: string | undefined, forwardedFor: string | undefined, trustedProxies: readonly string[]): string {
  const direct = normalizeAddress(remote ?? 'unknown');
  if (!forwardedFor || !trustedProxies.includes(direct)) return direct;
  const hops = forwardedFor
    .split(',')
    .map((hop) => normalizeAddress(hop.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trustedProxies.includes(hops[i] as string)) return hops[i] as string;
  return direct;
}

/**
 * One client, one key: an IPv4 address as it is, an IPv6 address by its /64 (one network hands a
 * host a whole /64, so counting single addresses would give it 2^64 tries).
 */
export function clientKey(address: string): string {
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, lowercase, without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const last = (tail === undefined ? left : right).at(-1) ?? '';
  if (last.includes('.')) {
    const bytes = last.split('.').map(Number) as [number, number, number, number];
    (tail === undefined ? left : right).splice(-1, 1, ((bytes[0] << 8) | bytes[1]).toString(16), ((bytes[2] << 8) | bytes[3]).toString(16));
  }
  const middle = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...middle, ...right].map((group) => Number.parseInt(group || '0', 16).toString(16));
}

/** `::ffff:1.2.3.4` (an IPv4 client on an IPv6 socket) is `1.2.3.4`. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
