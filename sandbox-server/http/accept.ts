// Who is asking: a person's browser navigating to a page sends `Accept: text/html,…`; fetch() and API
// clients send `*/*` or `application/json`. People get an error page, programs `{error, code}`.
import type { IncomingMessage } from 'node:http';

export function wantsPage(req: IncomingMessage): boolean {
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(req.headers.accept ?? '');
}
