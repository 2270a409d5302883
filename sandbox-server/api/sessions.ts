// POST/GET/DELETE /api/sessions: a learner's session and its sandbox.
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { DockhandError } from '../errors.ts';
import type { HostProblem } from '../host/report.ts';
import { requestClient } from '../http/client.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import { NewSessionBody } from '../protocol/bodies.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { CreatedSessionView, EndedSessionView, LiveSessionView, QueuedCreatedView, QueuedSessionView } from '../protocol/sessions.ts';
import { END_REASONS } from '../protocol/sessions.ts';
import { startProblem } from '../sandboxes/backend.ts';
import type { Learners } from '../sessions/learners.ts';
import type { Lobby } from '../sessions/lobby.ts';
import type { LiveSession, NewSessionInput, Sessions } from '../sessions/sessions.ts';
import type { SessionRecord } from '../store/store.ts';
import { bearerToken, ownedSession, waitingSession } from './auth.ts';
import { readBody } from './body.ts';

export type SessionsApiDeps = {
  sessions: Sessions;
  /** Admission and the waiting line; absent, every session is started at once. */
  lobby?: Lobby;
  /** Addresses whose X-Forwarded-For names the client (see admission.ts). */
  trustedProxies?: string[];
  /** Host problems that stop every sandbox from starting; while there are any, new sessions are refused at once. */
  hostProblems?: () => HostProblem[];
  /** Unknown lessons and workshops are refused by these; absent means "none exist yet". */
  lessonExists?: (slug: string) => boolean;
  /** Learners, whose token a new session may carry; absent means none exist. */
  learners?: Pick<Learners, 'identify'>;
  /**
   * May this name (or this learner, again) join the workshop now, from this client? The participant they
   * are; `room`, how many people the workshop holds (their joins' rate limit); `seat` makes a new one's
   * row, called once admission gives them a sandbox or a place in line. Absent means no workshops exist.
   */
  admitToWorkshop?: (
    code: string,
    name: string | null,
    learner: string | null,
    client: string,
  ) =>
    | { ok: true; code: string; participant: string; name: string; room: number; seat: (() => void) | undefined }
    | { ok: false; code: ErrorCode; error: string; retryAfterSeconds?: number };
  /** The lessons a workshop covers, in order (empty: the whole course). */
  workshopLessons?: (code: string) => string[];
  /** Whether a disk is kept for this learner now (a keep over the cap is refused, and the learner told). */
  workKept?: (learner: string) => Promise<boolean>;
  /** Runs before the 201 goes out (e.g. starter files of the session's lesson). */
  onCreated?: (session: LiveSession) => Promise<void>;
};

const MAX_BODY = 16 * 1024;

export function addSessionRoutes(router: Router, deps: SessionsApiDeps): void {
  const { sessions } = deps;
  router.add('POST', '/api/sessions', async (req, res) => {
    const client = requestClient(req, deps.trustedProxies ?? []);
    const body = await readBody(req, NewSessionBody, { limitBytes: MAX_BODY, emptyIsObject: true });
    const { input, room, seat } = admitNewSession(body, client, deps);
    const problems = deps.hostProblems?.() ?? [];
    if (problems.length > 0) throw hostProblemError(problems);
    const applicant = { client, workshop: input.workshop === null ? null : { workshop: input.workshop, size: room } };
    const entry = await (deps.lobby
      ? deps.lobby.enter(input, applicant, seat)
      : Promise.resolve()
          .then(seat)
          .then(() => sessions.create(input))
          .then((made) => ({ kind: 'live' as const, ...made, existing: false }))
    ).catch((error: Error) => {
      // Refusals (a name taken at the same moment, too many sessions) say so themselves.
      if (error instanceof DockhandError) throw error;
      throw hostProblemError([startProblem(error)]);
    });
    if (entry.kind === 'queued') {
      const queued: QueuedCreatedView = { id: entry.id, token: entry.token, state: 'queued', position: entry.position };
      return sendJson(res, 202, queued);
    }
    // The learner's live session, again: a fresh copy of its token, nothing started.
    if (!entry.existing) await deps.onCreated?.(entry.session);
    const view: CreatedSessionView = {
      ...liveView(sessions, entry.session, deps),
      token: entry.token,
      warm: entry.warm,
      resumed: entry.resumed,
    };
    sendJson(res, entry.existing ? 200 : 201, view);
  });

  router.add('GET', '/api/sessions/:id', async (req, res, params) => {
    const queued = waitingView(deps, params.id as string, req);
    if (queued) return sendJson(res, 200, queued);
    const record = ownedSession(sessions, params.id as string, bearerToken(req));
    const live = sessions.live(record.id);
    sendJson(res, 200, live ? liveView(sessions, live, deps) : endedView(record));
  });

  router.add('DELETE', '/api/sessions/:id', async (req, res, params) => {
    const queued = waitingView(deps, params.id as string, req);
    if (queued) {
      deps.lobby?.leave(queued.id);
      return sendJson(res, 200, { id: queued.id, state: 'left' });
    }
    const record = ownedSession(sessions, params.id as string, bearerToken(req));
    const keepWork = new URL(req.url ?? '/', 'http://dockhand').searchParams.get('keep') === 'work';
    await sessions.end(record.id, 'learner', { keepWork });
    const ended = endedView(sessions.record(record.id) as SessionRecord);
    const learner = record.learner;
    const kept = keepWork && learner !== null ? { workKept: (await deps.workKept?.(learner)) ?? false } : {};
    sendJson(res, 200, { ...ended, ...kept });
  });
}

/** One sentence for learners and whoever runs the server: what stops sandboxes, and how the host is fixed. */
export function hostProblemError(problems: HostProblem[]): DockhandError {
  const first = problems[0] as HostProblem;
  const why = first.message.replace(/^sandboxes cannot start: /, '').replace(/\.$/, '');
  const fix = first.fix ? ` Whoever runs this Dockhand can fix it: ${first.fix.replace(/\.$/, '')}.` : '';
  return new DockhandError('host_problem', `No sandbox can start on this server right now: ${why}.${fix}`);
}

/** A session still waiting in line, if the request carries its token. */
function waitingView(deps: SessionsApiDeps, id: string, req: IncomingMessage): QueuedSessionView | undefined {
  const waiting = waitingSession(deps.lobby, id, bearerToken(req));
  return waiting ? { id, state: 'queued', position: waiting.position } : undefined;
}

/** The session asked for; `seat` makes a new workshop participant's row once admission gives a place. */
function admitNewSession(
  body: z.output<typeof NewSessionBody>,
  client: string,
  deps: Omit<SessionsApiDeps, 'sessions'>,
): { input: NewSessionInput; room: number; seat: (() => void) | undefined } {
  const { lesson, workshop, name, fresh } = body;
  if (lesson !== null && !(deps.lessonExists?.(lesson) ?? true))
    throw new DockhandError('unknown_lesson', `there is no lesson "${lesson}"`);
  const learner = body.learner === null ? null : { id: learnerOf(body.learner, client, deps), token: body.learner };
  if (workshop === null) return { input: { lesson, workshop: null, name, learner, participant: null, fresh }, room: 0, seat: undefined };
  const admission = deps.admitToWorkshop?.(workshop, name, learner?.id ?? null, client) ?? {
    ok: false,
    code: 'unknown_workshop',
    error: `there is no workshop with the code "${workshop}"; check the code with your instructor`,
  };
  if (!admission.ok) throw new DockhandError(admission.code, admission.error, admission.retryAfterSeconds);
  const input = { lesson, workshop: admission.code, name: admission.name, learner, participant: admission.participant, fresh };
  return { input, room: admission.room, seat: admission.seat };
}

/** The id of the learner whose token this is, or 401 unknown_learner (429 after too many wrong ones). */
function learnerOf(token: string, client: string, deps: Pick<SessionsApiDeps, 'learners'>): string {
  if (!deps.learners)
    throw new DockhandError('unknown_learner', 'this server does not know that learner; make a new one (POST /api/learners)');
  return deps.learners.identify(token, client).id;
}

export function liveView(sessions: Sessions, session: LiveSession, deps: Pick<SessionsApiDeps, 'workshopLessons'>): LiveSessionView {
  const { idle, lifetime } = sessions.expiresAt(session);
  const { workshop } = session.record;
  return {
    ...baseView(session.record),
    ...(workshop ? { workshopLessons: deps.workshopLessons?.(workshop) ?? [] } : {}),
    state: 'active',
    expiresAt: new Date(Math.min(idle, lifetime)).toISOString(),
    idleExpiresAt: new Date(idle).toISOString(),
    lifetimeExpiresAt: new Date(lifetime).toISOString(),
    sandbox: { id: session.sandbox.id, state: 'ready' },
  };
}

function endedView(record: SessionRecord): EndedSessionView {
  return {
    ...baseView(record),
    state: 'ended',
    endedAt: record.endedAt ? new Date(record.endedAt).toISOString() : null,
    endReason: record.endCode ? END_REASONS[record.endCode] : null,
    endCode: record.endCode,
    sandbox: { id: record.sandboxId, state: 'removed' },
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
