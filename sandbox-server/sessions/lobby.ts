// The way in. A new session passes admission (admission.ts); one that must wait is given its id and
// token at once and a place in line, and becomes a live session when a sandbox frees up. Its events
// channel tells it its place as the line moves, then that its sandbox is ready. A learner has at most one
// session: asking again (a second tab, a reload, another device) gets the one they have, live or waiting,
// and asks of one learner are taken one at a time, so two at once cannot start two sandboxes.
import { DockhandError } from '../errors.ts';
import type { Admission, Applicant } from './admission.ts';
import type { EventBus } from './events.ts';
import { type CreatedSession, type LiveSession, type NewSessionInput, type Sessions, sessionToken } from './sessions.ts';
import { hashToken, learnerSessionToken, tokenMatches } from './tokens.ts';

type Waiting = { input: NewSessionInput; applicant: Applicant; token: string };

/** While someone waits, the line is looked at again this often: memory can come back without anyone leaving. */
const LINE_RECHECK_MS = 2000;

/** `existing`: the learner's session from before, handed out again. */
export type Entry =
  | ({ kind: 'live'; existing: boolean } & CreatedSession)
  | { kind: 'queued'; id: string; token: string; position: number; existing: boolean };

export type Lobby = {
  /**
   * Admits, queues, or refuses (DockhandError too_many_sessions / rate_limited, with a retry time). A
   * learner's session from before is handed out again, unless the ask names a workshop that session is
   * not in: then it ends, and the workshop's starts. `onPlace` runs once admission gives a new
   * session its sandbox or its place in line, before it starts (a workshop participant's row is made
   * there); if it throws, the place is given back and the ask refused with its error.
   */
  enter(input: NewSessionInput, applicant: Applicant, onPlace?: () => void): Promise<Entry>;
  /** The place in line of a waiting session whose token this is; undefined when none waits under that id. */
  waiting(id: string, token: string | undefined): { position: number } | 'wrong_token' | undefined;
  /** The learner's session waiting in line, if any. */
  waitingOfLearner(learner: string): { id: string; position: number } | undefined;
  /** The place in line of a session waiting under this id (no token check: for the server's own use). */
  position(id: string): number | undefined;
  leave(id: string): void;
  /** A live session ended: its place goes to the next in line. */
  ended(id: string): void;
  /** Counts a session re-adopted after a restart. */
  hold(session: LiveSession): void;
  stats(): { live: number; waiting: number; max: number };
};

export type LobbyDeps = {
  sessions: Sessions;
  admission: Admission;
  events: EventBus;
  /** A session that waited now has its sandbox (e.g. open its lesson); the lobby then says it is ready. */
  onAdmitted: (session: LiveSession, input: NewSessionInput) => Promise<void>;
  onError: (error: Error) => void;
};

export function createLobby(deps: LobbyDeps): Lobby {
  const { sessions, admission, events } = deps;
  const applicants = new Map<string, Applicant>();
  const line = new Map<string, Waiting>();
  /** Per learner, the ask being answered: the next one waits for it. */
  const asking = new Map<string, Promise<unknown>>();
  let recheck: NodeJS.Timeout | undefined;

  /** A timer runs exactly while the line is not empty. */
  function followLine(): void {
    if (line.size > 0 && !recheck) {
      // Quietly: the line is told its places only when someone was admitted.
      recheck = setInterval(() => admitWaiting({ quiet: true }), LINE_RECHECK_MS);
      recheck.unref();
    } else if (line.size === 0 && recheck) {
      clearInterval(recheck);
      recheck = undefined;
    }
  }

  async function start(input: NewSessionInput, applicant: Applicant, identity?: { id: string; token: string }) {
    try {
      const created = await sessions.create(input, identity);
      applicants.set(created.session.record.id, applicant);
      return created;
    } catch (error) {
      admission.release(applicant);
      admitWaiting();
      throw error;
    }
  }

  function announce(): void {
    for (const id of line.keys()) {
      const position = admission.position(id);
      if (position !== undefined) events.publish(id, { type: 'queue', position });
    }
  }

  function admitWaiting(options: { quiet?: boolean } = {}): void {
    const admitted = admission.admitWaiting();
    for (const { id } of admitted) {
      const entry = line.get(id);
      line.delete(id);
      if (!entry) continue;
      start(entry.input, entry.applicant, { id, token: entry.token })
        .then(async ({ session }) => {
          await deps.onAdmitted(session, entry.input);
          events.publish(id, { type: 'sandbox', state: 'ready' });
        })
        .catch((error: Error) => {
          deps.onError(error);
          events.publish(id, { type: 'error', error: `no sandbox could be started for you: ${error.message}`, code: 'no_sandbox' });
        });
    }
    if (admitted.length > 0 || !options.quiet) announce();
    followLine();
  }

  async function admit(input: NewSessionInput, applicant: Applicant, onPlace?: () => void): Promise<Entry> {
    const decision = admission.apply(applicant);
    if (decision.kind === 'refuse') throw new DockhandError(decision.code, decision.error, decision.retryAfterSeconds);
    try {
      onPlace?.();
    } catch (error) {
      if (decision.kind === 'admit') {
        admission.release(applicant);
        admitWaiting();
      } else {
        admission.leave(decision.id);
        announce();
      }
      throw error;
    }
    if (decision.kind === 'admit') return { kind: 'live', ...(await start(input, applicant)), existing: false };
    const token = sessionToken(input, decision.id);
    line.set(decision.id, { input, applicant, token });
    followLine();
    return { kind: 'queued', id: decision.id, token, position: decision.position, existing: false };
  }

  /** The learner's session from before, if this ask may have it; one it may not have is ended (or leaves the line). */
  async function existing(learner: { id: string; token: string }, workshop: string | null): Promise<Entry | undefined> {
    const keeps = (of: string | null) => workshop === null || workshop === of;
    const session = sessions.liveOfLearner(learner.id);
    if (session && keeps(session.record.workshop)) {
      const token = learnerSessionToken(learner.token, session.record.id);
      return { kind: 'live', session, token, warm: false, resumed: false, existing: true };
    }
    if (session) await sessions.end(session.record.id, 'learner');
    for (const [id, entry] of line) {
      if (entry.input.learner?.id !== learner.id) continue;
      const position = admission.position(id);
      if (keeps(entry.input.workshop) && position !== undefined)
        return { kind: 'queued', id, token: entry.token, position, existing: true };
      leave(id);
    }
    return undefined;
  }

  function leave(id: string): void {
    if (!line.delete(id)) return;
    admission.leave(id);
    announce();
    followLine();
  }

  return {
    async enter(input, applicant, onPlace) {
      const learner = input.learner;
      if (!learner) return admit(input, applicant, onPlace);
      const before = asking.get(learner.id) ?? Promise.resolve();
      const answer = before.then(async () => (await existing(learner, input.workshop)) ?? admit(input, applicant, onPlace));
      // Only orders the learner's next ask after this one; the caller hears this one's failure from `answer`.
      const settled = answer.catch(() => {});
      asking.set(learner.id, settled);
      void settled.then(() => {
        if (asking.get(learner.id) === settled) asking.delete(learner.id);
      });
      return answer;
    },
    waiting(id, token) {
      const entry = line.get(id);
      if (!entry) return undefined;
      if (!tokenMatches(token, hashToken(entry.token))) return 'wrong_token';
      return { position: admission.position(id) ?? 1 };
    },
    waitingOfLearner(learner) {
      for (const [id, entry] of line) {
        const position = admission.position(id);
        if (entry.input.learner?.id === learner && position !== undefined) return { id, position };
      }
      return undefined;
    },
    position: (id) => (line.has(id) ? admission.position(id) : undefined),
    leave,
    ended(id) {
      const applicant = applicants.get(id);
      if (!applicant) return;
      applicants.delete(id);
      admission.release(applicant);
      admitWaiting();
    },
    stats: () => admission.stats(),
    hold(session) {
      // The address of a session from before the restart is not kept: it counts for the host, not a client.
      // Held, never rate-limited, so the room's size does not matter.
      const room = session.record.workshop === null ? null : { workshop: session.record.workshop, size: 0 };
      const applicant = { client: `adopted:${session.record.id}`, workshop: room };
      applicants.set(session.record.id, applicant);
      admission.hold(applicant);
    },
  };
}
