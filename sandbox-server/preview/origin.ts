// Where browsers reach a session's previews. Either one origin for every session (the preview
// listener's own port, or DOCKHAND_PREVIEW_URL when a proxy serves it under a name of its own), or,
// when DOCKHAND_PREVIEW_URL holds `{session}` (a wildcard name such as https://{session}.preview.example.org),
// a host name per session: then learners' previews are apart from each other too, not only from Dockhand.
import type { IncomingMessage } from 'node:http';

export const SESSION_PLACEHOLDER = '{session}';

/** The host label that stands for a session: its id's bytes in hex, as ids mix cases and host names do not. */
export function sessionLabel(sessionId: string): string {
  return Buffer.from(sessionId).toString('hex');
}

export function isPerSession(previewUrl: string | undefined): previewUrl is string {
  return previewUrl?.includes(SESSION_PLACEHOLDER) === true;
}

/** The origin of a session's previews, given DOCKHAND_PREVIEW_URL (already checked by config.ts). */
export function sessionPreviewOrigin(previewUrl: string, sessionId: string): string {
  return previewUrl.replace(SESSION_PLACEHOLDER, sessionLabel(sessionId));
}

/** On a host per session: whether a request to the preview listener came by that session's own name. */
export function cameBySessionHost(req: IncomingMessage, previewUrl: string, sessionId: string): boolean {
  const host = /^(\[[^\]]+\]|[^:]+)/.exec(req.headers.host ?? '')?.[1]?.toLowerCase();
  return host === new URL(sessionPreviewOrigin(previewUrl, sessionId)).hostname;
}
