// The learner's workspace as the editor sees it: list a folder, open a text file, save one, create a
// file or a folder, rename (move) either. Every
// operation runs inside the sandbox as the learner, so the kernel applies the learner's own permissions,
// and re-resolves the path there (symlinks included) to refuse anything that lands outside the workspace.
// Paths travel as arguments, never inside a shell string.
import { DockhandError } from '../errors.ts';
import type { CreatedEntry, Entry, Listing, RenamedEntry, SavedFile, TextFile } from '../protocol/files.ts';
import type { Sandbox, SandboxBackend } from '../sandboxes/backend.ts';
import { WORKSPACE_DIR } from '../sandboxes/learner.ts';
import { checkRelativePath } from './paths.ts';

/** The editor is for source files; anything bigger is almost certainly not one. */
export const MAX_FILE_BYTES = 1024 * 1024;
const MAX_LIST_ENTRIES = 5000;
const EXEC_TIMEOUT_MS = 15_000;

// Exit codes the scripts below use to say why they refused.
const EXIT = {
  outside: 10,
  missing: 11,
  isDir: 12,
  notDir: 13,
  notRegular: 14,
  tooLarge: 15,
  parentIsFile: 16,
  denied: 17,
  incomplete: 18,
  exists: 19,
  unresolvable: 20,
  intoItself: 21,
} as const;

// $1 is the workspace, $2 the relative path; `realpath -m` follows every symlink that exists, and leaves
// a symlink in a loop unresolved.
const RESOLVE = `
ws=$1
p=$(realpath -m -- "$ws/$2" 2>/dev/null) || exit ${EXIT.unresolvable}
[ -L "$p" ] && exit ${EXIT.unresolvable}
case $p in "$ws"|"$ws"/*) ;; *) exit ${EXIT.outside} ;; esac
`;

// $3: the most entries to print.
const LIST_SCRIPT = `${RESOLVE}
[ -e "$p" ] || exit ${EXIT.missing}
[ -d "$p" ] || exit ${EXIT.notDir}
{ [ -r "$p" ] && [ -x "$p" ]; } || exit ${EXIT.denied}
find -L "$p" -mindepth 1 -maxdepth 1 -printf '%y %s %T@ %f\\0' 2>/dev/null | head -z -n "$(($3 + 1))"
`;

// $3: the largest size to send; a file that grew since stat still shows up as one byte too many.
const READ_SCRIPT = `${RESOLVE}
[ -e "$p" ] || exit ${EXIT.missing}
[ -d "$p" ] && exit ${EXIT.isDir}
[ -f "$p" ] || exit ${EXIT.notRegular}
[ -r "$p" ] || exit ${EXIT.denied}
size=$(stat -c %s -- "$p")
if [ "$size" -gt "$3" ]; then printf %s "$size"; exit ${EXIT.tooLarge}; fi
exec head -c "$(($3 + 1))" -- "$p"
`;

// Makes the folders up to $p's parent; refuses when one on the way is a file or not writable.
const MAKE_PARENTS = `
dir=\${p%/*}
up=$dir
while [ -n "$up" ] && [ ! -e "$up" ]; do up=\${up%/*}; done
[ -d "$up" ] || exit ${EXIT.parentIsFile}
[ -w "$up" ] || exit ${EXIT.denied}
mkdir -p -- "$dir" || exit 1
`;

// $3: the exact size arriving on stdin. The content goes to a temporary file next to the target and is
// renamed over it only when complete, so readers see the old file or the new one, never half of one.
const WRITE_SCRIPT = `${RESOLVE}
[ -d "$p" ] && exit ${EXIT.isDir}
{ [ ! -e "$p" ] || [ -f "$p" ]; } || exit ${EXIT.notRegular}
{ [ ! -e "$p" ] || [ -w "$p" ]; } || exit ${EXIT.denied}
${MAKE_PARENTS}
tmp=$(mktemp -- "$dir/.dockhand-save.XXXXXX") || exit 1
trap 'rm -f -- "$tmp"' EXIT
head -c "$3" > "$tmp" || exit 1
[ "$(stat -c %s -- "$tmp")" = "$3" ] || exit ${EXIT.incomplete}
if [ -e "$p" ]; then chmod --reference="$p" -- "$tmp"; else chmod 0644 -- "$tmp"; fi
mv -fT -- "$tmp" "$p" || exit 1
trap - EXIT
`;

// $3: 'file' or 'dir'. Never replaces anything: a name already taken (even by a dangling link, which is
// not written through) is refused.
const CREATE_SCRIPT = `${RESOLVE}
{ [ -e "$p" ] || [ -L "$p" ] || [ -L "$ws/$2" ]; } && exit ${EXIT.exists}
${MAKE_PARENTS}
if [ "$3" = dir ]; then mkdir -- "$p" || exit 1; else (set -C; : > "$p") || exit 1; fi
`;

// $2 → $3. A link is renamed itself, not what it points to: only the folders holding each name are
// resolved. Nothing is replaced, and a folder cannot move into itself.
const RENAME_SCRIPT = `
ws=$1
place() {
  case $1 in */*) d=\${1%/*} ;; *) d= ;; esac
  r=$(realpath -m -- "$ws/$d" 2>/dev/null) || exit ${EXIT.unresolvable}
  [ -L "$r" ] && exit ${EXIT.unresolvable}
  case $r in "$ws"|"$ws"/*) ;; *) exit ${EXIT.outside} ;; esac
  printf '%s/%s' "$r" "\${1##*/}"
}
src=$(place "$2") || exit $?
p=$(place "$3") || exit $?
{ [ -e "$src" ] || [ -L "$src" ]; } || exit ${EXIT.missing}
{ [ -e "$p" ] || [ -L "$p" ]; } && exit ${EXIT.exists}
case $p/ in "$src"/*) exit ${EXIT.intoItself} ;; esac
[ -w "\${src%/*}" ] || exit ${EXIT.denied}
${MAKE_PARENTS}
mv -nT -- "$src" "$p" || exit 1
{ [ -e "$src" ] || [ -L "$src" ]; } && exit ${EXIT.exists}
exit 0
`;

export async function listWorkspace(backend: SandboxBackend, sandbox: Sandbox, dir: string): Promise<Listing> {
  const path = checkRelativePath(dir);
  const result = await runScript(backend, sandbox, LIST_SCRIPT, [path, String(MAX_LIST_ENTRIES)]);
  if (result.exitCode !== 0) throw refusal(result, path, 'list');
  const records = result.stdout
    .toString()
    .split('\0')
    .filter((record) => record !== '');
  const entries = records.slice(0, MAX_LIST_ENTRIES).map((record) => parseEntry(record, path));
  entries.sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, truncated: records.length > MAX_LIST_ENTRIES };
}

export async function readWorkspaceFile(backend: SandboxBackend, sandbox: Sandbox, file: string): Promise<TextFile> {
  const path = checkRelativePath(file);
  const result = await runScript(backend, sandbox, READ_SCRIPT, [path, String(MAX_FILE_BYTES)]);
  if (result.exitCode !== 0) throw refusal(result, path, 'read');
  if (result.stdout.length > MAX_FILE_BYTES) throw tooLarge(path, result.stdout.length);
  const content = decodeText(result.stdout);
  if (content === undefined) {
    throw new DockhandError(
      'not_text',
      `"${path}" is not a text file (it holds binary data); the editor only opens text, so use the terminal for it.`,
    );
  }
  return { path, content, size: result.stdout.length };
}

export async function writeWorkspaceFile(backend: SandboxBackend, sandbox: Sandbox, file: string, content: string): Promise<SavedFile> {
  const path = namedPath(file, 'name the file to save, such as app.py or src/index.html.');
  if (content.includes('\0')) throw new DockhandError('not_text', 'the content holds a NUL character; the editor only saves text.');
  if (!content.isWellFormed())
    throw new DockhandError('bad_request', 'the content is not valid Unicode (it has a lone surrogate); send UTF-8 text.');
  const bytes = Buffer.from(content, 'utf8');
  if (bytes.length > MAX_FILE_BYTES) throw tooLarge(path, bytes.length);
  const result = await runScript(backend, sandbox, WRITE_SCRIPT, [path, String(bytes.length)], bytes);
  if (result.exitCode !== 0) throw refusal(result, path, 'write');
  return { path, size: bytes.length };
}

/** Creates an empty file or a folder (with the folders above it); an existing name is refused, never replaced. */
export async function createWorkspaceEntry(
  backend: SandboxBackend,
  sandbox: Sandbox,
  target: string,
  type: CreatedEntry['type'],
): Promise<CreatedEntry> {
  const path = namedPath(
    target,
    type === 'dir' ? 'name the folder to create, such as src or web/static.' : 'name the file to create, such as notes.txt or src/app.py.',
  );
  const result = await runScript(backend, sandbox, CREATE_SCRIPT, [path, type]);
  if (result.exitCode !== 0) throw refusal(result, path, 'create');
  return { path, type };
}

/** Renames or moves a file or folder within the workspace; the new name must be free. */
export async function renameWorkspaceEntry(backend: SandboxBackend, sandbox: Sandbox, from: string, to: string): Promise<RenamedEntry> {
  const source = namedPath(from, 'name the file or folder to rename: POST /api/sessions/:id/files/<path>.');
  const path = namedPath(to, 'give the new name in "to", such as notes.txt or src/app.py.');
  const result = await runScript(backend, sandbox, RENAME_SCRIPT, [source, path]);
  if (result.exitCode !== 0) throw refusal(result, result.exitCode === EXIT.missing ? source : path, 'rename');
  return { from: source, path };
}

/** A checked path that names something inside the workspace, not the workspace itself (else `unnamed` is the refusal). */
function namedPath(text: string, unnamed: string): string {
  const path = checkRelativePath(text);
  if (path === '') throw new DockhandError('bad_request', unnamed);
  return path;
}

function runScript(backend: SandboxBackend, sandbox: Sandbox, script: string, args: string[], stdin?: Buffer) {
  return backend
    .exec(sandbox, ['sh', '-c', script, 'dockhand-files', WORKSPACE_DIR, ...args], {
      stdin,
      timeoutMs: EXEC_TIMEOUT_MS,
      // A file read comes back whole up to the size the editor refuses beyond.
      stdoutBytes: MAX_FILE_BYTES + 1,
    })
    .catch((error: Error) => {
      throw new DockhandError(
        'sandbox_unresponsive',
        `the sandbox did not answer (${error.message}); try again, and restart the session if it keeps failing.`,
      );
    });
}

/** One `find -printf '%y %s %T@ %f\0'` record: type letter, size, modification time, name (which may hold spaces). */
function parseEntry(record: string, dir: string): Entry {
  const [type = '', size = '0', modified = '0'] = record.split(' ', 3);
  const name = record.slice(type.length + size.length + modified.length + 3);
  return {
    name,
    path: dir === '' ? name : `${dir}/${name}`,
    type: type === 'd' ? 'dir' : type === 'f' ? 'file' : 'other',
    size: type === 'f' ? Number(size) : 0,
    modifiedMs: Math.round(Number(modified) * 1000) || 0,
  };
}

/** UTF-8 without NUL bytes is text; a byte order mark is kept so a save writes it back. */
function decodeText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // Not UTF-8: binary, which the caller refuses as not_text.
    return undefined;
  }
}

function tooLarge(path: string, size: number): DockhandError {
  const mib = (size / 1024 / 1024).toFixed(1);
  return new DockhandError(
    'too_large',
    `"${path}" is ${mib} MiB; the editor handles files up to 1 MiB, so use the terminal for bigger ones.`,
  );
}

function refusal(
  result: { exitCode: number; stdout: Buffer; stderr: string },
  path: string,
  action: 'list' | 'read' | 'write' | 'create' | 'rename',
) {
  const name = path === '' ? 'the workspace folder' : `"${path}"`;
  switch (result.exitCode) {
    case EXIT.outside:
      return new DockhandError(
        'forbidden',
        `${name} leads outside the workspace through a symlink; only files inside the workspace can be opened.`,
      );
    case EXIT.missing:
      return new DockhandError('not_found', `there is no ${name} in the workspace; check the name or create it first.`);
    case EXIT.isDir:
      return new DockhandError('bad_request', `${name} is a folder, not a file; list it with ?dir= or choose a file name.`);
    case EXIT.notDir:
      return new DockhandError('bad_request', `${name} is a file, not a folder; open it instead of listing it.`);
    case EXIT.notRegular:
      return new DockhandError(
        'bad_request',
        `${name} is not a regular file (a pipe, socket or device); the editor only handles regular files.`,
      );
    case EXIT.tooLarge:
      return tooLarge(path, Number(result.stdout.toString()));
    case EXIT.parentIsFile:
      return new DockhandError('bad_request', `a parent folder of ${name} is a file; rename it or choose another path.`);
    case EXIT.denied:
      return new DockhandError('forbidden', `the learner is not allowed to ${action} ${name}; change its permissions in the terminal.`);
    case EXIT.incomplete:
      return new DockhandError('internal', `the sandbox received only part of ${name}; nothing was changed, so save again.`);
    case EXIT.exists:
      return new DockhandError('name_taken', `${name} already exists in the workspace; choose another name.`);
    case EXIT.intoItself:
      return new DockhandError('bad_request', `${name} is inside the folder being moved; a folder cannot move into itself.`);
    case EXIT.unresolvable:
      return new DockhandError('bad_request', `${name} cannot be resolved (a symlink loop?); fix the link in the terminal.`);
    default:
      return new Error(`cannot ${action} ${name} in the sandbox (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
}
