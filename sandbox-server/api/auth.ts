// Session authentication for HTTP (Authorization: Bearer) and WebSockets (?token=).
import type { IncomingMessage } from 'node:http';
import type { LiveSession, Sessions } from '../sessions/sessions.ts';
import { hashToken, tokenMatches } from '../sessions/tokens.ts';
import { httpError } from './errors.ts';

export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * The live session behind a request, or a refusal (401 wrong token, 404 unknown, 410 ended). A call
 * counts as activity for the idle timeout unless it only reads state a page polls for (`touch: false`),
 * so a forgotten open tab does not keep a sandbox alive.
 */
export function requireSession(
  sessions: Sessions,
  id: string,
  token: string | undefined,
  options: { touch: boolean } = { touch: true },
): LiveSession {
  const access = sessions.access(id, token);
  if (!access.ok) throw httpError(access.code, access.error);
  if (options.touch) sessions.activity(id);
  return access.session;
}

/** A check for the instructor's admin token (Bearer), as routes that need it share it. */
export function adminGuard(adminToken: string): (token: string | undefined) => void {
  const adminHash = hashToken(adminToken);
  return (token) => {
    if (!tokenMatches(token, adminHash)) throw httpError('unauthorized', 'missing or wrong admin token');
  };
}
