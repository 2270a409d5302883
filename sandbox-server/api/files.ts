// The workspace file API, called by the router once it has authenticated the session and found its
// sandbox:
//   GET /api/sessions/:id/files?dir=<folder>   → 200 {"entries": [...], "truncated": false}
//   GET /api/sessions/:id/files/<path>         → 200 {"path", "content", "size"}
//   PUT /api/sessions/:id/files/<path>  {"content": "..."} → 200 {"path", "size"} (creates folders)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkRelativePath, pathFromUrl } from '../files/paths.ts';
import { listWorkspace, MAX_FILE_BYTES, readWorkspaceFile, writeWorkspaceFile } from '../files/workspace.ts';
import { sendHttpError, sendJson } from '../http/respond.ts';
import { SAVE_FILE_RULE, SaveFileBody } from '../protocol/bodies.ts';
import type { Sandbox, SandboxBackend } from '../sandboxes/backend.ts';
import { readBody } from './body.ts';
import { httpError, toHttpError } from './errors.ts';

/** JSON escapes a control character in six bytes, so a 1 MiB file can take up to six times that. */
const MAX_BODY_BYTES = 6 * MAX_FILE_BYTES + 4096;

export type FilesContext = {
  backend: SandboxBackend;
  sandbox: Sandbox;
  /** The still-encoded URL path after `/api/sessions/:id/files/` (the router's `*`), '' for the listing. */
  rest: string;
};

export async function handleFilesRequest(req: IncomingMessage, res: ServerResponse, ctx: FilesContext): Promise<void> {
  try {
    await route(req, res, ctx);
  } catch (error) {
    const refusal = toHttpError(error);
    if (!refusal) throw error;
    sendHttpError(res, refusal);
  }
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: FilesContext): Promise<void> {
  const target = pathFromUrl(ctx.rest);
  if (!target.ok) throw httpError(target.code, target.error);
  if (req.method === 'GET' && target.path === '') {
    const dir = checkRelativePath(new URL(req.url ?? '', 'http://localhost').searchParams.get('dir') ?? '');
    if (!dir.ok) throw httpError(dir.code, dir.error);
    return sendJson(res, 200, await listWorkspace(ctx.backend, ctx.sandbox, dir.path));
  }
  if (req.method === 'GET') return sendJson(res, 200, await readWorkspaceFile(ctx.backend, ctx.sandbox, target.path));
  if (req.method === 'PUT') {
    if (target.path === '') throw httpError('bad_request', 'name the file to save: PUT /api/sessions/:id/files/<path>.');
    const { content } = await readBody(req, SaveFileBody, { limitBytes: MAX_BODY_BYTES, rule: SAVE_FILE_RULE });
    return sendJson(res, 200, await writeWorkspaceFile(ctx.backend, ctx.sandbox, target.path, content));
  }
  res.setHeader('allow', 'GET, PUT');
  throw httpError('method_not_allowed', `use GET to list or open files and PUT to save one (not ${req.method}).`);
}
