// Session ids and secrets. Only a hash of each token is stored, and comparisons take constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newSessionId(): string {
  return randomBytes(9).toString('base64url');
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenMatches(token: string | undefined, storedHash: string): boolean {
  if (!token) return false;
  const given = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
