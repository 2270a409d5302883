// Learner sessions: each owns one sandbox, claimed from the warm pool. Sessions are recorded in the
// store, so a restarted server re-adopts their sandboxes; sandboxes that belong to no session are reaped.

import { END_REASONS, type EndCode } from '../protocol/sessions.ts';
import type { Adoption, Sandbox, SandboxBackend } from '../sandboxes/backend.ts';
import type { Pool } from '../sandboxes/pool.ts';
import type { SessionRecord, Store } from '../store/store.ts';
import type { EventBus } from './events.ts';
import { hashToken, learnerSessionToken, newSessionId, newToken } from './tokens.ts';

export type Timeouts = {
  /** No terminal input, new connection or API call for this long ends the session. */
  idleMs: number;
  /** No session lives longer than this. */
  lifetimeMs: number;
  /** The learner is warned this long before either ends their session. */
  warnMs: number;
};

export type LiveSession = {
  record: SessionRecord;
  sandbox: Sandbox;
  lastActivity: number;
  warned: Set<'idle' | 'lifetime'>;
};

export type NewSessionInput = {
  lesson: string | null;
  workshop: string | null;
  name: string | null;
  /** The learner who asks, with their token (the session's token derives from it, see tokens.ts). */
  learner: { id: string; token: string } | null;
  /** The workshop participant this session is a sitting of. */
  participant: string | null;
  /** Start on a fresh disk even when the learner's last one was kept. */
  fresh?: boolean;
};

/** What a new session started on: a warm sandbox, and the learner's kept disk or a fresh one. */
export type CreatedSession = { session: LiveSession; token: string; warm: boolean; resumed: boolean };

/** Ends after which the learner's work is kept for their next session; ending on purpose keeps it only when asked. */
const KEEPS_WORK: ReadonlySet<EndCode> = new Set(['idle', 'lifetime', 'workshop', 'unreachable']);

/**
 * How sandboxes are re-adopted after a restart. After a host reboot they all start together on a busy
 * machine, so each may take longer the more there are; one that still does not answer is tried again,
 * then ended with its learner's disk kept (never removed: the learner resumes from it).
 */
export type AdoptPolicy = {
  /** Sandboxes adopted at once. */
  concurrency: number;
  /** What one engine may take to answer: so much, plus perSandboxMs for each sandbox being adopted. */
  baseMs: number;
  perSandboxMs: number;
  /** Tries before a sandbox that does not answer is given up. */
  attempts: number;
};

/** baseMs is DOCKHAND_ADOPT_TIMEOUT's default (config.ts). */
export const ADOPT_POLICY: AdoptPolicy = { concurrency: 4, baseMs: 15_000, perSandboxMs: 1_000, attempts: 3 };

/** The time one try may take when `count` sandboxes are being adopted. */
export function adoptTimeout(policy: AdoptPolicy, count: number): number {
  return policy.baseMs + policy.perSandboxMs * count;
}

/**
 * What re-adoption did: `adopted` live again; `kept` ended because their sandbox did not answer, their
 * learner's disk kept; `lost` ended because sandbox and disk were gone; `reaped` sandboxes of no session.
 * `problems`: one sentence for each sandbox not adopted (kept, or whose keeping failed and waits for the next start).
 */
export type AdoptionReport = { adopted: number; kept: number; lost: number; reaped: number; problems: string[] };

export type Sessions = {
  /** `identity`: the id and token a session that waited in line was already given. */
  create(input: NewSessionInput, identity?: { id: string; token: string }): Promise<CreatedSession>;
  record(id: string): SessionRecord | undefined;
  /** The live session (with its sandbox), without a token check: for the server's own use. */
  live(id: string): LiveSession | undefined;
  /** The learner's live session (a learner has at most one). */
  liveOfLearner(learner: string): LiveSession | undefined;
  activity(id: string): void;
  /** `keepWork`: the learner asked to keep their disk although they end on purpose. */
  end(id: string, reason: EndCode, options?: { keepWork?: boolean }): Promise<void>;
  /** Ends sessions past their idle or lifetime limit and warns those close to it. */
  sweep(now?: number): Promise<void>;
  /** After a restart: re-adopts the sandboxes of active sessions and reaps every other sandbox. */
  adoptAll(): Promise<AdoptionReport>;
  /**
   * A live session's sandbox stopped by itself (the host's engine restarted): it is started again on its
   * disk and the learner's terminal reconnects; one that does not come back is ended, told plainly, with
   * its disk kept. False when no live session has that sandbox.
   */
  sandboxStopped(sandboxId: string): Promise<boolean>;
  /** Proves every live session's sandbox alive and brings back the ones that are not (news may have been missed). */
  recheck(isAlive: (sandbox: Sandbox) => Promise<boolean>): Promise<void>;
  expiresAt(session: LiveSession): { idle: number; lifetime: number };
  liveCount(): number;
};

/** Times one session's sandbox is started again after stopping by itself: a sandbox that keeps dying is ended. */
const MAX_REVIVALS = 3;

/** Activity is persisted at most this often, so keystrokes do not each write to the database. */
const PERSIST_ACTIVITY_MS = 10_000;

export type SessionsDeps = {
  store: Store;
  pool: Pool;
  sandboxes: SandboxBackend;
  events: EventBus;
  timeouts: Timeouts;
  /** Told when a session has ended (its sandbox is being removed). */
  onEnded?: (id: string) => void;
  /** Runs for each session re-adopted after a restart (e.g. to drop terminal clients the old server left). */
  onAdopted?: (session: LiveSession) => Promise<void>;
  adoptPolicy?: AdoptPolicy;
};

export function createSessions(deps: SessionsDeps): Sessions {
  const { store, pool, sandboxes, events, timeouts } = deps;
  const live = new Map<string, LiveSession>();
  const ending = new Map<string, Promise<void>>();
  const revivals = new Map<string, number>();
  const reviving = new Map<string, Promise<boolean>>();

  /** Starts a live session's stopped sandbox again (once at a time), or ends the session with its disk kept. */
  function revive(session: LiveSession): Promise<boolean> {
    const id = session.record.id;
    const pending = reviving.get(id);
    if (pending) return pending;
    const work = (async () => {
      const count = (revivals.get(id) ?? 0) + 1;
      revivals.set(id, count);
      const policy = deps.adoptPolicy ?? ADOPT_POLICY;
      const adoption =
        count > MAX_REVIVALS
          ? ({ state: 'unreachable', reason: 'it stopped again and again' } as const)
          : await adoptWithRetries(sandboxes, session.sandbox.id, adoptTimeout(policy, reviving.size + 1), policy.attempts);
      // Adopted: the session simply goes on (its place in admission is still held; terminals reconnect).
      if (live.get(id) === session && adoption.state !== 'adopted') await end(id, adoption.state === 'gone' ? 'lost' : 'unreachable');
      return true;
    })().finally(() => reviving.delete(id));
    reviving.set(id, work);
    return work;
  }

  const expiresAt = (session: LiveSession) => ({
    idle: session.lastActivity + timeouts.idleMs,
    lifetime: session.record.createdAt + timeouts.lifetimeMs,
  });

  async function end(id: string, reason: EndCode, options: { keepWork?: boolean } = {}): Promise<void> {
    const pending = ending.get(id);
    if (pending) return pending;
    const session = live.get(id);
    const work = (async () => {
      store.endSession(id, Date.now(), reason);
      live.delete(id);
      revivals.delete(id);
      deps.onEnded?.(id);
      events.publish(id, { type: 'sandbox', state: 'ended', reason: END_REASONS[reason], code: reason });
      if (!session) return;
      const learner = session.record.learner;
      const keep = learner !== null && (KEEPS_WORK.has(reason) || options.keepWork === true);
      await sandboxes.destroy(session.sandbox, keep ? { keepDiskAs: learner } : {});
    })().finally(() => ending.delete(id));
    ending.set(id, work);
    return work;
  }

  return {
    async create(input, identity) {
      const learner = input.learner?.id;
      if (learner && input.fresh) await sandboxes.forgetDisk(learner);
      const { sandbox, warm, resumed } = await pool.claim(learner ? { diskKey: learner } : {});
      const id = identity?.id ?? newSessionId();
      const token = identity?.token ?? sessionToken(input, id);
      const now = Date.now();
      const { lesson, workshop, name, participant } = input;
      let record: SessionRecord;
      try {
        record = store.createSession({
          id,
          tokenHash: hashToken(token),
          lesson,
          workshop,
          name,
          learner: input.learner?.id ?? null,
          participant,
          createdAt: now,
        });
      } catch (error) {
        // A sandbox that resumed on the learner's kept disk gives that disk back, never deletes it.
        await sandboxes.destroy(sandbox, resumed && learner ? { keepDiskAs: learner } : {});
        throw error;
      }
      store.setSandbox(record.id, sandbox.id);
      const session: LiveSession = { record: { ...record, sandboxId: sandbox.id }, sandbox, lastActivity: now, warned: new Set() };
      live.set(record.id, session);
      return { session, token, warm, resumed };
    },

    record: (id) => store.getSession(id),
    live: (id) => live.get(id),
    liveOfLearner: (learner) => [...live.values()].find((session) => session.record.learner === learner),

    activity(id) {
      const session = live.get(id);
      if (!session) return;
      const now = Date.now();
      if (now - session.lastActivity >= PERSIST_ACTIVITY_MS || session.warned.has('idle')) store.touchSession(id, now);
      session.lastActivity = now;
      session.warned.delete('idle');
    },

    end,

    async sweep(now = Date.now()) {
      for (const session of [...live.values()]) {
        const limits = expiresAt(session);
        for (const reason of ['lifetime', 'idle'] as const) {
          const left = limits[reason] - now;
          if (left <= 0) {
            await end(session.record.id, reason);
            break;
          }
          if (left <= timeouts.warnMs && !session.warned.has(reason)) {
            session.warned.add(reason);
            const secondsLeft = Math.ceil(left / 1000);
            const message =
              reason === 'idle'
                ? `Your sandbox will be removed in ${secondsLeft} s because nothing happened in it for a while. Type anything to keep it.`
                : `Your sandbox reaches its maximum lifetime in ${secondsLeft} s and will then be removed.`;
            events.publish(session.record.id, { type: 'warning', reason, secondsLeft, message });
          }
        }
      }
    },

    async adoptAll() {
      const policy = deps.adoptPolicy ?? ADOPT_POLICY;
      const onEngine = new Set(await sandboxes.listIds());
      const records = store.activeSessions();
      const timeoutMs = adoptTimeout(policy, records.length);
      const report: AdoptionReport = { adopted: 0, kept: 0, lost: 0, reaped: 0, problems: [] };

      const adoptOne = async (record: SessionRecord) => {
        const id = record.sandboxId;
        const found = id !== null && onEngine.delete(id);
        const adoption = found ? await adoptWithRetries(sandboxes, id, timeoutMs, policy.attempts) : ({ state: 'gone' } as const);
        if (adoption.state === 'adopted') {
          const session: LiveSession = { record, sandbox: adoption.sandbox, lastActivity: record.lastActiveAt, warned: new Set() };
          live.set(record.id, session);
          await deps.onAdopted?.(session);
          report.adopted++;
        } else if (adoption.state === 'gone') {
          store.endSession(record.id, Date.now(), 'lost');
          report.lost++;
        } else {
          // Ended as a session, but its disk is its learner's: kept as an idle end keeps it.
          const learner = record.learner;
          try {
            await sandboxes.destroy(sandboxes.handle(id as string), learner ? { keepDiskAs: learner } : {});
            store.endSession(record.id, Date.now(), 'unreachable');
            report.kept++;
            report.problems.push(
              `session ${record.id}: ${adoption.reason}; ended after ${policy.attempts} tries${learner ? ", its learner's disk kept" : ''}.`,
            );
          } catch (error) {
            // Still recorded as active, so the next start tries again rather than reaping its disk.
            report.problems.push(
              `session ${record.id}: ${adoption.reason}, and keeping its disk failed too (${error instanceof Error ? error.message : String(error)}); the next start tries again.`,
            );
          }
        }
      };
      const queue = [...records];
      const worker = async () => {
        for (let record = queue.shift(); record; record = queue.shift()) await adoptOne(record);
      };
      await Promise.all(Array.from({ length: Math.max(1, policy.concurrency) }, worker));
      for (const id of onEngine) await sandboxes.destroy(sandboxes.handle(id));
      report.reaped = onEngine.size;
      return report;
    },

    async sandboxStopped(sandboxId) {
      const session = [...live.values()].find((candidate) => candidate.sandbox.id === sandboxId);
      if (!session || ending.has(session.record.id)) return false;
      return revive(session);
    },

    async recheck(isAlive) {
      for (const session of [...live.values()]) {
        if (ending.has(session.record.id) || (await isAlive(session.sandbox))) continue;
        await revive(session);
      }
    },

    expiresAt,
    liveCount: () => live.size,
  };
}

/** Adopts a sandbox, trying again while it is unreachable; a backend that throws counts as unreachable. */
async function adoptWithRetries(sandboxes: SandboxBackend, id: string, timeoutMs: number, attempts: number): Promise<Adoption> {
  let last: Adoption = { state: 'unreachable', reason: `sandbox ${id} was not tried` };
  for (let attempt = 0; attempt < Math.max(1, attempts); attempt++) {
    last = await sandboxes.adopt(id, { timeoutMs }).catch((error: unknown) => ({
      state: 'unreachable' as const,
      reason: error instanceof Error ? error.message : String(error),
    }));
    if (last.state !== 'unreachable') return last;
  }
  return last;
}

/** A new session's token: derived from its learner's when there is one, else random. */
export function sessionToken(input: Pick<NewSessionInput, 'learner'>, id: string): string {
  return input.learner ? learnerSessionToken(input.learner.token, id) : newToken();
}
