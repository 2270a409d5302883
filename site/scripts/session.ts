// The learner's session: kept in localStorage so a learner who comes back gets the same sandbox while it
// lives, claimed lazily (the page is readable before any sandbox exists), and told plainly when it ended.
// Sessions belong to the browser's learner (learner.ts): their token goes with every new session, so the
// server hands out the learner's one live session again and keeps their progress across sessions. A
// participant's workshop is remembered too, so starting again rejoins it, and a workshop that ended says so.

import type { NewSessionBody, TicketBody } from '../../sandbox-server/protocol/bodies.ts';
import type { ErrorBody, ErrorCode } from '../../sandbox-server/protocol/errors.ts';
import type { SessionEvent } from '../../sandbox-server/protocol/events.ts';
import type {
  CreatedSessionView,
  EndCode,
  EndedSessionView,
  QueuedCreatedView,
  SessionTicketPurpose,
  SessionView,
  TicketView,
} from '../../sandbox-server/protocol/sessions.ts';
import { forgetWorkshop, learnerToken, storedWorkshop } from './learner.ts';
import { withTicket } from './socket.ts';

const STORAGE_KEY = 'dockhand.session';

/** `idleSeconds`: how long the server keeps a sandbox nobody uses (as it said when the session began). */
export type Session = { id: string; token: string; idleSeconds: number };

const DEFAULT_IDLE_SECONDS = 30 * 60;

export type SessionState =
  | { kind: 'none' }
  | { kind: 'claiming' }
  /** `resumed`: the sandbox started on the learner's kept disk, as they left it. */
  | { kind: 'active'; session: Session; resumed?: boolean }
  | { kind: 'ended'; message: string }
  | { kind: 'failed'; message: string }
  /** The learner's kept sandbox did not start again; their kept work stays until they choose to start fresh. */
  | { kind: 'resume_failed'; message: string }
  /** The server cannot start sandboxes (a host problem); the page tries again by itself. */
  | { kind: 'unavailable'; message: string }
  /** The host is full: this learner waits in line (1 is next) and the sandbox starts by itself. */
  | { kind: 'queued'; position: number }
  /** The instructor ended the participant's workshop: nothing starts until they choose to go on alone. */
  | { kind: 'workshop_ended'; message: string };

/** What POST /api/sessions answers that a page needs to keep. */
export type CreatedView = Pick<CreatedSessionView, 'id' | 'token' | 'createdAt' | 'idleExpiresAt'>;

/** A refusal: the server's sentence to show, its code to decide on; code 'unreachable' when no server answered. */
export class ApiError extends Error {
  status: number;
  code: ErrorCode | 'unreachable';
  /** Seconds until a refusal lifts by itself (the answer's Retry-After), when it does. */
  retryAfterSeconds: number | undefined;
  constructor(status: number, message: string, code: ErrorCode | 'unreachable', retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** How often a page retries while the host cannot start sandboxes. */
const HOST_PROBLEM_RETRY_MS = 15_000;
/** How often a page asks for its place in line when the events socket is not there to say it. */
const QUEUE_POLL_MS = 3_000;

export function storedSession(): Session | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Session> | null;
    if (typeof value?.id === 'string' && typeof value.token === 'string') {
      return { id: value.id, token: value.token, idleSeconds: Number(value.idleSeconds) || DEFAULT_IDLE_SECONDS };
    }
  } catch {
    // A corrupt entry is the same as none.
  }
  return undefined;
}

/** Keeps a session the server just created (POST /api/sessions), so every page of this browser finds it. */
export function rememberCreated(view: CreatedView): Session {
  const session = { id: view.id, token: view.token, idleSeconds: idleSecondsOf(view) };
  remember(session);
  return session;
}

/** Keeps a session that waits in line (POST /api/sessions answered 202), so a reload keeps the place. */
export function rememberQueued(view: QueuedCreatedView): Session {
  const session = { id: view.id, token: view.token, idleSeconds: DEFAULT_IDLE_SECONDS };
  remember(session);
  return session;
}

/** Another identity was adopted (a resume code): the session of the one before is not this learner's. */
export function forgetStoredSession(): void {
  remember(undefined);
}

function remember(session: Session | undefined): void {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
}

/** Calls the API as the session (or the learner: any bearer token); JSON in, JSON out, and a refusal becomes an ApiError with its sentence. */
export async function api<T>(session: Pick<Session, 'token'> | undefined, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  // Every call that changes state says JSON, with or without a body: the server refuses those that do not
  // (which is what keeps other sites' pages from making them).
  if (method !== 'GET') headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The Dockhand server cannot be reached; check your connection and try again.', 'unreachable');
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  if (!response.ok) {
    const { error, code } = json as Partial<ErrorBody>;
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(
      response.status,
      typeof error === 'string' ? capitalise(error) : `The server answered ${response.status}.`,
      code ?? 'internal',
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
  return json as T;
}

/** A single-use ticket that opens the session's terminal, events socket or preview, and nothing else. */
export function sessionTicket(session: Session, purpose: SessionTicketPurpose): Promise<TicketView> {
  const body: TicketBody = { purpose };
  return api<TicketView>(session, 'POST', `/api/sessions/${session.id}/tickets`, body);
}

/** The URL of the session's terminal or events socket, with a fresh single-use ticket (never the token). */
export function sessionSocketUrl(session: Session, purpose: 'terminal' | 'events', path: string): Promise<string> {
  return withTicket(path, () => sessionTicket(session, purpose));
}

/** The server's idle timeout: a new session's idle deadline is that far from its start. */
function idleSecondsOf(view: CreatedView): number {
  const seconds = Math.round((Date.parse(view.idleExpiresAt) - Date.parse(view.createdAt)) / 1000);
  return seconds > 0 ? seconds : DEFAULT_IDLE_SECONDS;
}

function duration(seconds: number): string {
  return seconds < 120 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`;
}

/** Why a sandbox went away, as the server said it (`code`, with its sentence for reasons this page does not know). */
export type Ended = { code: EndCode | null; reason: string | null };

export function endedMessage(ended: Ended, idleSeconds: number): string {
  switch (ended.code) {
    case 'idle':
      return `Your sandbox was removed after ${duration(idleSeconds)} without activity.`;
    case 'lifetime':
      return 'Your sandbox reached its maximum lifetime and was removed.';
    case 'learner':
      return 'You ended this sandbox.';
    case 'workshop':
      return 'The workshop has ended, and your sandbox with it.';
    default:
      return ended.reason ? `Your sandbox was removed (${ended.reason}).` : 'Your sandbox was removed.';
  }
}

/** How a session that ended says why. */
export function endedOf(view: SessionView): Ended {
  return view.state === 'ended' ? { code: view.endCode, reason: view.endReason } : { code: null, reason: null };
}

/** A session shared by everything on the page: one claim, one state, listeners told of each change. */
export function createSessionController(lesson: string | undefined) {
  let state: SessionState = { kind: 'none' };
  const listeners = new Set<(state: SessionState) => void>();
  const set = (next: SessionState) => {
    state = next;
    for (const listener of listeners) listener(state);
  };

  let retry: ReturnType<typeof setTimeout> | undefined;

  /** This page asked for the end (End sandbox, Start fresh): only then did "you" end it from here. */
  let endingHere = false;

  /** A workshop's end is its own state: the participant decides what comes next. */
  function setEnded(ended: Ended, idleSeconds: number, message = endedMessage(ended, idleSeconds)): void {
    set(ended.code === 'workshop' ? { kind: 'workshop_ended', message } : { kind: 'ended', message });
  }

  /** Waits in line (the events socket says when the place changes), then takes the sandbox. */
  async function waitInLine(session: Session, position: number): Promise<void> {
    set({ kind: 'queued', position });
    await followLine(session, (next) => set({ kind: 'queued', position: next }));
    const view = await api<SessionView>(session, 'GET', `/api/sessions/${session.id}`);
    if (view.state === 'active') set({ kind: 'active', session: rememberCreated({ ...view, token: session.token }) });
    else if (view.state === 'ended') setEnded(endedOf(view), session.idleSeconds);
  }

  /** `fresh`: the learner's kept work is dropped instead of resumed. */
  async function claim(options: { fresh?: boolean } = {}): Promise<void> {
    clearTimeout(retry);
    endingHere = false;
    set({ kind: 'claiming' });
    try {
      // A participant starting again rejoins their workshop (the same seat and progress), never silently leaves it.
      const workshop = storedWorkshop();
      const body: NewSessionBody = { ...(lesson ? { lesson } : {}), ...(workshop ?? {}) };
      const learner = await learnerToken();
      if (learner) body.learner = learner;
      if (options.fresh) body.fresh = true;
      const created = await api<CreatedSessionView | QueuedCreatedView>(undefined, 'POST', '/api/sessions', body);
      // Awaited here, so a failure after the wait lands in this catch rather than nowhere.
      if (created.state === 'queued') return await waitInLine(rememberQueued(created), created.position);
      set({ kind: 'active', session: rememberCreated(created), resumed: created.resumed });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'workshop_ended') {
        set({ kind: 'workshop_ended', message: `${error.message}. What you achieved in it is kept.` });
        return;
      }
      if (error instanceof ApiError && error.code === 'resume_failed') {
        set({ kind: 'resume_failed', message: error.message });
        return;
      }
      if (error instanceof ApiError && error.code === 'host_problem') {
        set({ kind: 'unavailable', message: error.message });
        retry = setTimeout(() => void claim(), HOST_PROBLEM_RETRY_MS);
        return;
      }
      set({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  return {
    get state() {
      return state;
    },
    subscribe(listener: (state: SessionState) => void): () => void {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    /** Resumes the stored session, or claims a new sandbox when there is none. */
    async resume(): Promise<void> {
      const stored = storedSession();
      if (!stored) return claim();
      try {
        const view = await api<SessionView>(stored, 'GET', `/api/sessions/${stored.id}`);
        if (view.state === 'active') return set({ kind: 'active', session: stored });
        if (view.state === 'queued') return await waitInLine(stored, view.position);
        setEnded(endedOf(view), stored.idleSeconds);
      } catch (error) {
        // The server forgot it (a new state directory): that sandbox is gone as well.
        if (error instanceof ApiError && (error.code === 'not_found' || error.code === 'unauthorized')) {
          remember(undefined);
          return claim();
        }
        set({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      }
    },
    /** The sandbox went away while the page was open. */
    ended(ended: Ended): void {
      // The events socket and every terminal find out, each on its own: say it once.
      if (state.kind === 'ended' || state.kind === 'workshop_ended') return;
      const elsewhere = ended.code === 'learner' && !endingHere;
      setEnded(
        ended,
        storedSession()?.idleSeconds ?? DEFAULT_IDLE_SECONDS,
        elsewhere ? 'This sandbox was ended from another tab or device.' : undefined,
      );
    },
    /** Starts over with a fresh sandbox (after the old one ended, or a failed claim); a participant rejoins. */
    async restart(): Promise<void> {
      remember(undefined);
      await claim();
    },
    /** Ends the sandbox on purpose; `keepWork` keeps its disk for the learner's next sandbox. */
    async end(keepWork: boolean): Promise<void> {
      if (state.kind !== 'active') return;
      const { session } = state;
      endingHere = true;
      const ended = await api<EndedSessionView>(session, 'DELETE', `/api/sessions/${session.id}${keepWork ? '?keep=work' : ''}`);
      const kept = !keepWork
        ? ''
        : ended.workKept === false
          ? ' Your work could not be kept: this server has no room to keep it now.'
          : ' Your files, images and containers are kept for your next sandbox.';
      set({ kind: 'ended', message: `You ended this sandbox.${kept}` });
    },
    /** Drops the sandbox the learner resumed on and starts one on a fresh disk. */
    async startFresh(): Promise<void> {
      endingHere = true;
      if (state.kind === 'active') await api(state.session, 'DELETE', `/api/sessions/${state.session.id}`);
      remember(undefined);
      await claim({ fresh: true });
    },
    /** After the workshop ended: the participant chose to go on as a self-paced learner. */
    async continueAlone(): Promise<void> {
      forgetWorkshop();
      remember(undefined);
      await claim();
    },
  };
}

export type SessionController = ReturnType<typeof createSessionController>;

/**
 * Resolves once a session waiting in line has its sandbox. The events socket tells each new place; if it
 * cannot be opened or drops, the page asks the API instead, every few seconds, until the wait is over.
 */
function followLine(session: Session, onPosition: (position: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      done = true;
      resolve();
    };
    const poll = async () => {
      while (!done) {
        await new Promise((wait) => setTimeout(wait, QUEUE_POLL_MS));
        const view = await api<SessionView>(session, 'GET', `/api/sessions/${session.id}`).catch(() => undefined);
        if (view?.state === 'queued') onPosition(view.position);
        else if (view) finish();
      }
    };
    const listen = (url: string) => {
      const socket = new WebSocket(url);
      socket.onmessage = (message) => {
        const event = JSON.parse(String(message.data)) as SessionEvent;
        if (event.type === 'queue') onPosition(event.position);
        if (event.type === 'sandbox' || event.type === 'error') {
          finish();
          socket.close();
        }
      };
      socket.onclose = () => {
        if (!done) void poll();
      };
    };
    sessionSocketUrl(session, 'events', `/ws/sessions/${session.id}/events`).then(listen, () => void poll());
  });
}

function capitalise(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
