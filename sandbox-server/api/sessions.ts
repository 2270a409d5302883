// POST/GET/DELETE /api/sessions: a learner's session and its sandbox.
import type { IncomingMessage } from 'node:http';
import type { HostProblem } from '../host/report.ts';
import { readJsonBody } from '../http/body.ts';
import { HttpError } from '../http/errors.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import { startProblem } from '../sandboxes/start-failure.ts';
import type { LiveSession, NewSessionInput, Sessions } from '../sessions/sessions.ts';
import { tokenMatches } from '../sessions/tokens.ts';
import type { SessionRecord } from '../store/store.ts';
import { bearerToken } from './auth.ts';

export type SessionsApiDeps = {
  sessions: Sessions;
  /** Host problems that stop every sandbox from starting; while there are any, new sessions are refused at once. */
  hostProblems?: () => HostProblem[];
  /** Unknown lessons and workshops are refused by these; absent means "none exist yet". */
  lessonExists?: (slug: string) => boolean;
  /** May this name join the workshop now? Absent means no workshops exist. */
  admitToWorkshop?: (
    code: string,
    name: string | null,
  ) => { ok: true; code: string } | { ok: false; status: 400 | 404 | 409 | 410; error: string };
  /** The lessons a workshop covers, in order (empty: the whole course). */
  workshopLessons?: (code: string) => string[];
  /** Runs before the 201 goes out (e.g. starter files of the session's lesson). */
  onCreated?: (session: LiveSession) => Promise<void>;
};

const MAX_BODY = 16 * 1024;
const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function addSessionRoutes(router: Router, deps: SessionsApiDeps): void {
  const { sessions } = deps;
  router.add('POST', '/api/sessions', async (req, res) => {
    const input = parseNewSession(await readSessionBody(req), deps);
    const problems = deps.hostProblems?.() ?? [];
    if (problems.length > 0) throw hostProblemError(problems);
    const created = await sessions.create(input).catch((error: Error) => {
      // Two people who pick the same name at the same moment: the database keeps names unique.
      if (/UNIQUE constraint failed/.test(error.message))
        throw new HttpError(409, `the name "${input.name}" is already taken in this workshop; pick another`);
      throw hostProblemError([startProblem(error)]);
    });
    await deps.onCreated?.(created.session);
    sendJson(res, 201, { ...liveView(sessions, created.session, deps), token: created.token, warm: created.warm });
  });

  router.add('GET', '/api/sessions/:id', async (req, res, params) => {
    const record = ownedRecord(sessions, params.id as string, req);
    const access = sessions.access(record.id, bearerToken(req));
    if (access.ok) return sendJson(res, 200, liveView(sessions, access.session, deps));
    sendJson(res, 200, endedView(record));
  });

  router.add('DELETE', '/api/sessions/:id', async (req, res, params) => {
    const record = ownedRecord(sessions, params.id as string, req);
    await sessions.end(record.id, 'ended by the learner');
    sendJson(res, 200, endedView(sessions.record(record.id) as SessionRecord));
  });
}

/** One sentence for learners and whoever runs the server: what stops sandboxes, and how the host is fixed. */
export function hostProblemError(problems: HostProblem[]): HttpError {
  const first = problems[0] as HostProblem;
  const why = first.message.replace(/^sandboxes cannot start: /, '').replace(/\.$/, '');
  const fix = first.fix ? ` Whoever runs this Dockhand can fix it: ${first.fix.replace(/\.$/, '')}.` : '';
  return new HttpError(503, `No sandbox can start on this server right now: ${why}.${fix}`, 'host_problem');
}

/** A POST without a body means "no options". */
async function readSessionBody(req: IncomingMessage): Promise<unknown> {
  const empty = req.headers['content-length'] === '0' || (req.headers['content-length'] === undefined && !req.headers['transfer-encoding']);
  if (empty) return {};
  const body = await readJsonBody(req, MAX_BODY);
  if (!body.ok) throw new HttpError(body.status, body.error);
  return body.value;
}

/** The session's record if the request carries its token (ended sessions included). */
function ownedRecord(sessions: Sessions, id: string, req: IncomingMessage): SessionRecord {
  const record = sessions.record(id);
  if (!record) throw new HttpError(404, `no session ${id}`);
  if (!tokenMatches(bearerToken(req), record.tokenHash)) throw new HttpError(401, 'missing or wrong session token');
  return record;
}

export function parseNewSession(body: unknown, deps: Omit<SessionsApiDeps, 'sessions'>): NewSessionInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!['lesson', 'workshop', 'name'].includes(key)) throw new HttpError(400, `unknown field "${key}" (allowed: lesson, workshop, name)`);
  }
  const lesson = optionalString(fields, 'lesson');
  const workshop = optionalString(fields, 'workshop');
  const name = optionalString(fields, 'name')?.trim() ?? null;
  if (lesson !== null && !SLUG.test(lesson)) throw new HttpError(400, 'lesson must be a lesson slug such as "hello-world"');
  if (lesson !== null && !(deps.lessonExists?.(lesson) ?? true)) throw new HttpError(404, `there is no lesson "${lesson}"`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (name !== null && (name.length === 0 || name.length > 40 || /[\u0000-\u001f\u007f]/.test(name))) {
    throw new HttpError(400, 'name must be 1 to 40 printable characters');
  }
  let workshopCode: string | null = null;
  if (workshop !== null) {
    const admission = deps.admitToWorkshop?.(workshop, name) ?? {
      ok: false,
      status: 404,
      error: `there is no workshop with the code "${workshop}"; check the code with your instructor`,
    };
    if (!admission.ok) throw new HttpError(admission.status, admission.error);
    workshopCode = admission.code;
  }
  return { lesson, workshop: workshopCode, name };
}

function optionalString(fields: Record<string, unknown>, key: string): string | null {
  const value = fields[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new HttpError(400, `${key} must be a string`);
  return value;
}

function liveView(sessions: Sessions, session: LiveSession, deps: Pick<SessionsApiDeps, 'workshopLessons'>) {
  const { idle, lifetime } = sessions.expiresAt(session);
  const { workshop } = session.record;
  return {
    ...baseView(session.record),
    ...(workshop ? { workshopLessons: deps.workshopLessons?.(workshop) ?? [] } : {}),
    state: 'active' as const,
    expiresAt: new Date(Math.min(idle, lifetime)).toISOString(),
    idleExpiresAt: new Date(idle).toISOString(),
    lifetimeExpiresAt: new Date(lifetime).toISOString(),
    sandbox: { id: session.sandbox.id, state: 'ready' as const },
  };
}

function endedView(record: SessionRecord) {
  return {
    ...baseView(record),
    state: 'ended' as const,
    endedAt: record.endedAt ? new Date(record.endedAt).toISOString() : null,
    endReason: record.endReason,
    sandbox: { id: record.sandboxId, state: 'removed' as const },
  };
}

function baseView(record: SessionRecord) {
  return {
    id: record.id,
    lesson: record.lesson,
    workshop: record.workshop,
    name: record.name,
    createdAt: new Date(record.createdAt).toISOString(),
  };
}
