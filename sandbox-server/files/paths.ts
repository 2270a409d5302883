// Workspace paths as clients send them, checked as text. Symlinks can only be judged where they live,
// so the sandbox resolves every path again before touching it (see workspace.ts).
import { DockhandError } from '../errors.ts';

const MAX_PATH_BYTES = 4096;

/**
 * Normalizes a workspace-relative path ('' is the workspace itself). Refuses what could name something
 * outside the workspace, or mean different things to different layers.
 */
export function checkRelativePath(text: string): string {
  if (Buffer.byteLength(text) > MAX_PATH_BYTES) throw new DockhandError('bad_request', `paths are limited to ${MAX_PATH_BYTES} bytes.`);
  if (text.includes('\0')) throw new DockhandError('forbidden', 'the path contains a NUL byte; name a file inside the workspace.');
  if (text.includes('\\')) throw new DockhandError('forbidden', `the path "${text}" contains a backslash; separate folders with "/".`);
  if (text.startsWith('/')) throw new DockhandError('forbidden', `"${text}" is an absolute path; use a path relative to the workspace.`);
  const segments = text.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new DockhandError('forbidden', `"${text}" climbs out with ".."; use a path inside the workspace.`);
  return segments.join('/');
}

/**
 * The still-encoded URL path after `/files/` ('dir/name%20x') as a workspace path. Each segment is
 * decoded on its own, so an encoded slash cannot forge a separator.
 */
export function pathFromUrl(encoded: string): string {
  if (encoded.startsWith('/'))
    throw new DockhandError('forbidden', `"${encoded}" is an absolute path; use a path relative to the workspace.`);
  const segments: string[] = [];
  for (const raw of encoded.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw new DockhandError('bad_request', `"${raw}" is not valid percent-encoding; encode the path with encodeURIComponent.`);
    }
    if (segment.includes('/')) throw new DockhandError('forbidden', `"${raw}" encodes a "/"; send folder separators unencoded.`);
    segments.push(segment);
  }
  return checkRelativePath(segments.join('/'));
}
