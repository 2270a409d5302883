// The workspace file API, called by the router once it has authenticated the session and found its
// sandbox:
//   GET /api/sessions/:id/files?dir=<folder>   → 200 {"entries": [...], "truncated": false}
//   GET /api/sessions/:id/files/<path>         → 200 {"path", "content", "size"}
//   PUT /api/sessions/:id/files/<path>  {"content": "..."} → 200 {"path", "size"} (creates folders)
//   POST /api/sessions/:id/files/<path> {"op": "create", "type": "file"|"dir"} → 201 {"path", "type"}
//   POST /api/sessions/:id/files/<path> {"op": "rename", "to": "<path>"} → 200 {"from", "path"}
//   (neither replaces anything: a name already taken is 409 name_taken)

import type { IncomingMessage, ServerResponse } from 'node:http';
import { DockhandError } from '../errors.ts';
import { checkRelativePath, pathFromUrl } from '../files/paths.ts';
import {
  createWorkspaceEntry,
  listWorkspace,
  MAX_FILE_BYTES,
  readWorkspaceFile,
  renameWorkspaceEntry,
  writeWorkspaceFile,
} from '../files/workspace.ts';
import { sendJson } from '../http/respond.ts';
import { FILE_ACTION_RULE, FileActionBody, SAVE_FILE_RULE, SaveFileBody } from '../protocol/bodies.ts';
import type { Sandbox, SandboxBackend } from '../sandboxes/backend.ts';
import { readBody } from './body.ts';

/** JSON escapes a control character in six bytes, so a 1 MiB file can take up to six times that. */
const MAX_BODY_BYTES = 6 * MAX_FILE_BYTES + 4096;
/** A create or rename names at most one path (of at most 4 KiB, escaped). */
const MAX_ACTION_BYTES = 32 * 1024;

export type FilesContext = {
  backend: SandboxBackend;
  sandbox: Sandbox;
  /** The still-encoded URL path after `/api/sessions/:id/files/` (the router's `*`), '' for the listing. */
  rest: string;
};

export async function handleFilesRequest(req: IncomingMessage, res: ServerResponse, ctx: FilesContext): Promise<void> {
  const target = pathFromUrl(ctx.rest);
  if (req.method === 'GET' && target === '') {
    const dir = checkRelativePath(new URL(req.url ?? '', 'http://localhost').searchParams.get('dir') ?? '');
    return sendJson(res, 200, await listWorkspace(ctx.backend, ctx.sandbox, dir));
  }
  if (req.method === 'GET') return sendJson(res, 200, await readWorkspaceFile(ctx.backend, ctx.sandbox, target));
  if (req.method === 'PUT') {
    if (target === '') throw new DockhandError('bad_request', 'name the file to save: PUT /api/sessions/:id/files/<path>.');
    const { content } = await readBody(req, SaveFileBody, { limitBytes: MAX_BODY_BYTES, rule: SAVE_FILE_RULE });
    return sendJson(res, 200, await writeWorkspaceFile(ctx.backend, ctx.sandbox, target, content));
  }
  if (req.method === 'POST') {
    const action = await readBody(req, FileActionBody, { limitBytes: MAX_ACTION_BYTES, rule: FILE_ACTION_RULE });
    if (action.op === 'create') return sendJson(res, 201, await createWorkspaceEntry(ctx.backend, ctx.sandbox, target, action.type));
    const to = checkRelativePath(action.to);
    return sendJson(res, 200, await renameWorkspaceEntry(ctx.backend, ctx.sandbox, target, to));
  }
  res.setHeader('allow', 'GET, PUT, POST');
  throw new DockhandError(
    'method_not_allowed',
    `use GET to list or open files, PUT to save one and POST to create or rename one (not ${req.method}).`,
  );
}
