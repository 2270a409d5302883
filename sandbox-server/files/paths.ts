// Workspace paths as clients send them, checked as text. Symlinks can only be judged where they live,
// so the sandbox resolves every path again before touching it (see workspace.ts).
const MAX_PATH_BYTES = 4096;

export type PathCheck = { ok: true; path: string } | { ok: false; code: 'bad_request' | 'forbidden'; error: string };

/**
 * Normalizes a workspace-relative path ('' is the workspace itself). Refuses what could name something
 * outside the workspace, or mean different things to different layers.
 */
export function checkRelativePath(text: string): PathCheck {
  if (Buffer.byteLength(text) > MAX_PATH_BYTES) return refuse('bad_request', `paths are limited to ${MAX_PATH_BYTES} bytes.`);
  if (text.includes('\0')) return refuse('forbidden', 'the path contains a NUL byte; name a file inside the workspace.');
  if (text.includes('\\')) return refuse('forbidden', `the path "${text}" contains a backslash; separate folders with "/".`);
  if (text.startsWith('/')) return refuse('forbidden', `"${text}" is an absolute path; use a path relative to the workspace.`);
  const segments = text.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return refuse('forbidden', `"${text}" climbs out with ".."; use a path inside the workspace.`);
  return { ok: true, path: segments.join('/') };
}

/**
 * The still-encoded URL path after `/files/` ('dir/name%20x') as a workspace path. Each segment is
 * decoded on its own, so an encoded slash cannot forge a separator.
 */
export function pathFromUrl(encoded: string): PathCheck {
  if (encoded.startsWith('/')) return refuse('forbidden', `"${encoded}" is an absolute path; use a path relative to the workspace.`);
  const segments: string[] = [];
  for (const raw of encoded.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return refuse('bad_request', `"${raw}" is not valid percent-encoding; encode the path with encodeURIComponent.`);
    }
    if (segment.includes('/')) return refuse('forbidden', `"${raw}" encodes a "/"; send folder separators unencoded.`);
    segments.push(segment);
  }
  return checkRelativePath(segments.join('/'));
}

function refuse(code: 'bad_request' | 'forbidden', error: string): PathCheck {
  return { ok: false, code, error };
}
