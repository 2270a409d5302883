// Session ids and secrets. Only a hash of each token is stored, and comparisons take constant time.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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

/**
 * A learner's session token, derived from the learner's token: whoever holds the learner (a second tab,
 * another device) gets the same session token again without the server keeping it, and the session
 * token tells nothing about the learner's.
 */
export function learnerSessionToken(learnerToken: string, sessionId: string): string {
  return createHmac('sha256', learnerToken).update(`session:${sessionId}`).digest('base64url');
}
