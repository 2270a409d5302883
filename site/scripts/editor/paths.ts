// Workspace paths as the editor handles them: relative to ~/workspace, `/`-separated, no leading slash.
// Pure, so the rules for renames and folders are unit-tested without a browser.
import type { Entry } from '../../../sandbox-server/protocol/files.ts';

/** A path as the file API's URL carries it (each segment encoded, the slashes kept). */
export const urlPath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** The folder a path is in ('' for the workspace itself). */
export const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/** Every folder above a path, nearest first. */
export function foldersAbove(path: string): string[] {
  const folders: string[] = [];
  for (let dir = parentOf(path); dir; dir = parentOf(dir)) folders.push(dir);
  return folders;
}

/** What tells one version of a file on disk from another without reading it. */
export const stampOf = (entry: Pick<Entry, 'size' | 'modifiedMs'>) => `${entry.size}:${entry.modifiedMs}`;

/** Where `path` is after `from` was renamed to `to`: itself or anything below it moves, the rest stays (undefined). */
export function movedPath(path: string, from: string, to: string): string | undefined {
  if (path !== from && !path.startsWith(`${from}/`)) return undefined;
  return to + path.slice(from.length);
}

/** What the learner typed in the new-file or rename form, as a path: trimmed, without trailing slashes. */
export const typedPath = (text: string) => text.trim().replace(/\/+$/, '');
