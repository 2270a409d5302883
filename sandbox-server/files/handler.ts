// The workspace file API, called by the router once it has authenticated the session and found its
// sandbox:
//   GET /api/sessions/:id/files?dir=<folder>   → 200 {"entries": [...], "truncated": false}
//   GET /api/sessions/:id/files/<path>         → 200 {"path", "content", "size"}
//   PUT /api/sessions/:id/files/<path>  {"content": "..."} → 200 {"path", "size"} (creates folders)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody } from '../http/body.ts';
import { HttpError } from '../http/errors.ts';
import { sendError, sendJson } from '../http/respond.ts';
import type { Sandbox, SandboxBackend } from '../sandboxes/backend.ts';
import { checkRelativePath, pathFromUrl } from './paths.ts';
import { listWorkspace, MAX_FILE_BYTES, readWorkspaceFile, writeWorkspaceFile } from './workspace.ts';

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
    if (!(error instanceof HttpError)) throw error;
    sendError(res, error.status, error.message);
  }
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: FilesContext): Promise<void> {
  const target = pathFromUrl(ctx.rest);
  if (!target.ok) return sendError(res, target.status, target.error);
  if (req.method === 'GET' && target.path === '') {
    const dir = checkRelativePath(new URL(req.url ?? '', 'http://localhost').searchParams.get('dir') ?? '');
    if (!dir.ok) return sendError(res, dir.status, dir.error);
    return sendJson(res, 200, await listWorkspace(ctx.backend, ctx.sandbox, dir.path));
  }
  if (req.method === 'GET') return sendJson(res, 200, await readWorkspaceFile(ctx.backend, ctx.sandbox, target.path));
  if (req.method === 'PUT') {
    if (target.path === '') return sendError(res, 400, 'name the file to save: PUT /api/sessions/:id/files/<path>.');
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    if (!body.ok) return sendError(res, body.status, body.error);
    const content = (body.value as { content?: unknown } | null)?.content;
    if (typeof content !== 'string') return sendError(res, 400, 'send a JSON object with the file text as a string: {"content": "..."}.');
    return sendJson(res, 200, await writeWorkspaceFile(ctx.backend, ctx.sandbox, target.path, content));
  }
  res.setHeader('allow', 'GET, PUT');
  return sendError(res, 405, `use GET to list or open files and PUT to save one (not ${req.method}).`);
}
