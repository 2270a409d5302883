// Dockhand's durable state behind one small interface, so another database can stand behind it later.
// The default is an embedded SQLite file (node:sqlite) under the state directory.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DockhandError } from '../errors.ts';
import { END_REASONS, type EndCode } from '../protocol/sessions.ts';
import { MIGRATIONS } from './migrations.ts';

export type SessionRecord = {
  id: string;
  tokenHash: string;
  lesson: string | null;
  workshop: string | null;
  name: string | null;
  /** The learner who owns the session, when the site sent one. */
  learner: string | null;
  /** The workshop participant the session is a sitting of. */
  participant: string | null;
  sandboxId: string | null;
  state: 'active' | 'ended';
  createdAt: number;
  lastActiveAt: number;
  endedAt: number | null;
  endCode: EndCode | null;
};

export type NewSession = Pick<SessionRecord, 'id' | 'tokenHash' | 'lesson' | 'workshop' | 'name' | 'learner' | 'participant' | 'createdAt'>;

export type LearnerRecord = { id: string; tokenHash: string; createdAt: number };

/** A learner in a workshop (or, from before learners, one session's seat): one row however often they rejoin. */
export type ParticipantRecord = { id: string; workshop: string; learner: string | null; name: string; joinedAt: number };

export type ExerciseProgress = {
  lesson: string;
  exercise: string;
  passedAt: number | null;
  checksFailed: number;
  hintsUsed: number;
  solutionRevealedAt: number | null;
  lastMessage: string | null;
};

export type WorkshopRecord = {
  code: string;
  title: string;
  lessons: string[];
  startsAt: number;
  endsAt: number;
  seats: number | null;
  expected: number | null;
  createdAt: number;
  endedAt: number | null;
};

export type Store = {
  createSession(session: NewSession): SessionRecord;
  getSession(id: string): SessionRecord | undefined;
  activeSessions(): SessionRecord[];
  setSandbox(id: string, sandboxId: string | null): void;
  touchSession(id: string, at: number): void;
  endSession(id: string, at: number, reason: EndCode): void;
  createLearner(learner: LearnerRecord): LearnerRecord;
  learnerByTokenHash(tokenHash: string): LearnerRecord | undefined;
  /** Throws DockhandError name_taken when the workshop already has someone of that name. */
  createParticipant(participant: ParticipantRecord): ParticipantRecord;
  getParticipant(id: string): ParticipantRecord | undefined;
  participantOfLearner(workshop: string, learner: string): ParticipantRecord | undefined;
  participantByName(workshop: string, name: string): ParticipantRecord | undefined;
  /** How many participants the workshop has ever had (rows, with a session or not). */
  participantCount(workshop: string): number;
  /** A workshop's participants who ever had a session, in joining order. */
  workshopParticipants(workshop: string): ParticipantRecord[];
  learnerParticipants(learner: string): ParticipantRecord[];
  /** A participant's sessions, oldest first. */
  participantSessions(participant: string): SessionRecord[];
  /** Records a check result. Progress is monotonic: once passed, an exercise stays passed. */
  recordCheck(sessionId: string, lesson: string, exercise: string, passed: boolean, message: string, at: number): ExerciseProgress;
  recordHint(sessionId: string, lesson: string, exercise: string, hintsUsed: number, at: number): ExerciseProgress;
  recordSolutionRevealed(sessionId: string, lesson: string, exercise: string, at: number): ExerciseProgress;
  /**
   * What the session's owner achieved, merged over their sessions: the participant's sittings in a
   * workshop, else the learner's sessions, else the session alone.
   */
  progress(sessionId: string): ExerciseProgress[];
  /** The learner's progress over all their sessions. */
  learnerProgress(learner: string): ExerciseProgress[];
  /** A participant's progress over their sittings of the workshop. */
  participantProgress(participant: string): ExerciseProgress[];
  createWorkshop(workshop: Omit<WorkshopRecord, 'endedAt'>): WorkshopRecord;
  getWorkshop(code: string): WorkshopRecord | undefined;
  workshops(): WorkshopRecord[];
  extendWorkshop(code: string, endsAt: number): void;
  endWorkshop(code: string, at: number): void;
  /** Every session that joined the workshop, in joining order, ended ones included. */
  workshopSessions(code: string): SessionRecord[];
  close(): void;
};

type Row = Record<string, string | number | null>;

/** SQLite's extended result code for a UNIQUE index violated. */
const SQLITE_CONSTRAINT_UNIQUE = 2067;

export function openStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  migrate(db);

  const insert = db.prepare(
    `INSERT INTO sessions (id, token_hash, lesson, workshop, name, learner, participant, state, created_at, last_active_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
  );
  const byId = db.prepare('SELECT * FROM sessions WHERE id = ?');
  const active = db.prepare(`SELECT * FROM sessions WHERE state = 'active' ORDER BY created_at`);
  const setSandbox = db.prepare('UPDATE sessions SET sandbox_id = ? WHERE id = ?');
  const touch = db.prepare('UPDATE sessions SET last_active_at = max(last_active_at, ?) WHERE id = ?');
  const end = db.prepare(`UPDATE sessions SET state = 'ended', ended_at = ?, end_reason = ? WHERE id = ? AND state = 'active'`);
  const ensureProgress = db.prepare('INSERT OR IGNORE INTO progress (session_id, lesson, exercise, updated_at) VALUES (?, ?, ?, ?)');
  const checkResult = db.prepare(
    `UPDATE progress SET passed_at = coalesce(passed_at, CASE WHEN ? THEN ? END),
       checks_failed = checks_failed + CASE WHEN ? THEN 0 ELSE 1 END, last_message = ?, updated_at = ?
     WHERE session_id = ? AND lesson = ? AND exercise = ?`,
  );
  const hint = db.prepare(
    'UPDATE progress SET hints_used = max(hints_used, ?), updated_at = ? WHERE session_id = ? AND lesson = ? AND exercise = ?',
  );
  const reveal = db.prepare(
    'UPDATE progress SET solution_revealed_at = coalesce(solution_revealed_at, ?), updated_at = ? WHERE session_id = ? AND lesson = ? AND exercise = ?',
  );
  const oneProgress = db.prepare('SELECT * FROM progress WHERE session_id = ? AND lesson = ? AND exercise = ?');
  const progressWhere = (sessions: string) =>
    db.prepare(`SELECT * FROM progress WHERE session_id IN (${sessions}) ORDER BY updated_at, rowid`);
  const sessionProgress = progressWhere('?');
  const learnerProgress = progressWhere('SELECT id FROM sessions WHERE learner = ?');
  const participantProgress = progressWhere('SELECT id FROM sessions WHERE participant = ?');

  const insertLearner = db.prepare('INSERT INTO learners (id, token_hash, created_at) VALUES (?, ?, ?)');
  const learnerByHash = db.prepare('SELECT * FROM learners WHERE token_hash = ?');
  const insertParticipant = db.prepare('INSERT INTO participants (id, workshop, learner, name, joined_at) VALUES (?, ?, ?, ?, ?)');
  const participantById = db.prepare('SELECT * FROM participants WHERE id = ?');
  const participantByLearner = db.prepare('SELECT * FROM participants WHERE workshop = ? AND learner = ?');
  const participantByName = db.prepare('SELECT * FROM participants WHERE workshop = ? AND lower(name) = lower(?)');
  const participantsOfWorkshop = db.prepare(
    'SELECT * FROM participants p WHERE workshop = ? AND EXISTS (SELECT 1 FROM sessions s WHERE s.participant = p.id) ORDER BY joined_at, id',
  );
  const participantsInWorkshop = db.prepare('SELECT count(*) AS n FROM participants WHERE workshop = ?');
  const participantsOfLearner = db.prepare('SELECT * FROM participants WHERE learner = ? ORDER BY joined_at, id');
  const sessionsOfParticipant = db.prepare('SELECT * FROM sessions WHERE participant = ? ORDER BY created_at, id');

  const insertWorkshop = db.prepare(
    'INSERT INTO workshops (code, title, lessons, starts_at, ends_at, seats, expected, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const workshopByCode = db.prepare('SELECT * FROM workshops WHERE code = ?');
  const allWorkshops = db.prepare('SELECT * FROM workshops ORDER BY starts_at');
  const extendWorkshop = db.prepare('UPDATE workshops SET ends_at = ? WHERE code = ?');
  const endWorkshop = db.prepare('UPDATE workshops SET ended_at = coalesce(ended_at, ?) WHERE code = ?');
  const sessionsOfWorkshop = db.prepare('SELECT * FROM sessions WHERE workshop = ? ORDER BY created_at, id');

  /** Runs an update on an exercise's progress row (made on first use) and returns the row. */
  function updateProgress(sessionId: string, lesson: string, exercise: string, at: number, update: () => void): ExerciseProgress {
    ensureProgress.run(sessionId, lesson, exercise, at);
    update();
    return toProgress(oneProgress.get(sessionId, lesson, exercise) as Row);
  }

  return {
    createSession(session) {
      const { id, tokenHash, lesson, workshop, name, learner, participant, createdAt } = session;
      insert.run(id, tokenHash, lesson, workshop, name, learner, participant, createdAt, createdAt);
      return toSession(byId.get(session.id) as Row);
    },
    createLearner(learner) {
      insertLearner.run(learner.id, learner.tokenHash, learner.createdAt);
      return learner;
    },
    learnerByTokenHash(tokenHash) {
      const row = learnerByHash.get(tokenHash) as Row | undefined;
      return row ? { id: row.id as string, tokenHash: row.token_hash as string, createdAt: row.created_at as number } : undefined;
    },
    createParticipant(participant) {
      try {
        insertParticipant.run(participant.id, participant.workshop, participant.learner, participant.name, participant.joinedAt);
      } catch (error) {
        if ((error as { errcode?: number }).errcode === SQLITE_CONSTRAINT_UNIQUE)
          throw new DockhandError('name_taken', `the name "${participant.name}" is already taken in this workshop; pick another`);
        throw error;
      }
      return participant;
    },
    getParticipant: (id) => maybe(participantById.get(id), toParticipant),
    participantOfLearner: (workshop, learner) => maybe(participantByLearner.get(workshop, learner), toParticipant),
    participantByName: (workshop, name) => maybe(participantByName.get(workshop, name), toParticipant),
    participantCount: (workshop) => (participantsInWorkshop.get(workshop) as { n: number }).n,
    workshopParticipants: (workshop) => (participantsOfWorkshop.all(workshop) as Row[]).map(toParticipant),
    learnerParticipants: (learner) => (participantsOfLearner.all(learner) as Row[]).map(toParticipant),
    participantSessions: (participant) => (sessionsOfParticipant.all(participant) as Row[]).map(toSession),
    getSession(id) {
      const row = byId.get(id) as Row | undefined;
      return row ? toSession(row) : undefined;
    },
    activeSessions: () => (active.all() as Row[]).map(toSession),
    setSandbox: (id, sandboxId) => void setSandbox.run(sandboxId, id),
    touchSession: (id, at) => void touch.run(at, id),
    endSession: (id, at, reason) => void end.run(at, reason, id),
    recordCheck: (sessionId, lesson, exercise, passed, message, at) =>
      updateProgress(sessionId, lesson, exercise, at, () =>
        checkResult.run(passed ? 1 : 0, at, passed ? 1 : 0, message, at, sessionId, lesson, exercise),
      ),
    recordHint: (sessionId, lesson, exercise, hintsUsed, at) =>
      updateProgress(sessionId, lesson, exercise, at, () => hint.run(hintsUsed, at, sessionId, lesson, exercise)),
    recordSolutionRevealed: (sessionId, lesson, exercise, at) =>
      updateProgress(sessionId, lesson, exercise, at, () => reveal.run(at, at, sessionId, lesson, exercise)),
    progress(sessionId) {
      const session = byId.get(sessionId) as Row | undefined;
      if (typeof session?.participant === 'string')
        return mergeProgress((participantProgress.all(session.participant) as Row[]).map(toProgress));
      if (typeof session?.learner === 'string') return mergeProgress((learnerProgress.all(session.learner) as Row[]).map(toProgress));
      return mergeProgress((sessionProgress.all(sessionId) as Row[]).map(toProgress));
    },
    learnerProgress: (learner) => mergeProgress((learnerProgress.all(learner) as Row[]).map(toProgress)),
    participantProgress: (participant) => mergeProgress((participantProgress.all(participant) as Row[]).map(toProgress)),
    createWorkshop(workshop) {
      const { code, title, lessons, startsAt, endsAt, seats, expected, createdAt } = workshop;
      insertWorkshop.run(code, title, JSON.stringify(lessons), startsAt, endsAt, seats, expected, createdAt);
      return toWorkshop(workshopByCode.get(code) as Row);
    },
    getWorkshop(code) {
      const row = workshopByCode.get(code) as Row | undefined;
      return row ? toWorkshop(row) : undefined;
    },
    workshops: () => (allWorkshops.all() as Row[]).map(toWorkshop),
    extendWorkshop: (code, endsAt) => void extendWorkshop.run(endsAt, code),
    endWorkshop: (code, at) => void endWorkshop.run(at, code),
    workshopSessions: (code) => (sessionsOfWorkshop.all(code) as Row[]).map(toSession),
    close: () => db.close(),
  };
}

function migrate(db: DatabaseSync): void {
  const { user_version: version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
  for (let next = version; next < MIGRATIONS.length; next++) {
    db.exec('BEGIN');
    try {
      db.exec(MIGRATIONS[next] as string);
      db.exec(`PRAGMA user_version = ${next + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw new Error(`database migration ${next + 1} failed: ${(error as Error).message}`);
    }
  }
}

function toSession(row: Row): SessionRecord {
  return {
    id: row.id as string,
    tokenHash: row.token_hash as string,
    lesson: row.lesson as string | null,
    workshop: row.workshop as string | null,
    name: row.name as string | null,
    learner: row.learner as string | null,
    participant: row.participant as string | null,
    sandboxId: row.sandbox_id as string | null,
    state: row.state as 'active' | 'ended',
    createdAt: row.created_at as number,
    lastActiveAt: row.last_active_at as number,
    endedAt: row.ended_at as number | null,
    endCode: typeof row.end_reason === 'string' && Object.hasOwn(END_REASONS, row.end_reason) ? (row.end_reason as EndCode) : null,
  };
}

function maybe<T>(row: unknown, to: (row: Row) => T): T | undefined {
  return row ? to(row as Row) : undefined;
}

function toParticipant(row: Row): ParticipantRecord {
  return {
    id: row.id as string,
    workshop: row.workshop as string,
    learner: row.learner as string | null,
    name: row.name as string,
    joinedAt: row.joined_at as number,
  };
}

/**
 * One row per exercise from the rows of several sessions, oldest update first: the first pass and the
 * first reveal count, failed checks add up, the most hints shown counts, and the latest message stands.
 */
export function mergeProgress(rows: readonly ExerciseProgress[]): ExerciseProgress[] {
  const merged = new Map<string, ExerciseProgress>();
  const earliest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
  for (const row of rows) {
    const key = `${row.lesson}/${row.exercise}`;
    const seen = merged.get(key);
    merged.set(
      key,
      seen
        ? {
            ...seen,
            passedAt: earliest(seen.passedAt, row.passedAt),
            checksFailed: seen.checksFailed + row.checksFailed,
            hintsUsed: Math.max(seen.hintsUsed, row.hintsUsed),
            solutionRevealedAt: earliest(seen.solutionRevealedAt, row.solutionRevealedAt),
            lastMessage: row.lastMessage ?? seen.lastMessage,
          }
        : { ...row },
    );
  }
  return [...merged.values()].sort((a, b) => a.lesson.localeCompare(b.lesson) || a.exercise.localeCompare(b.exercise));
}

function toProgress(row: Row): ExerciseProgress {
  return {
    lesson: row.lesson as string,
    exercise: row.exercise as string,
    passedAt: row.passed_at as number | null,
    checksFailed: row.checks_failed as number,
    hintsUsed: row.hints_used as number,
    solutionRevealedAt: row.solution_revealed_at as number | null,
    lastMessage: row.last_message as string | null,
  };
}

function toWorkshop(row: Row): WorkshopRecord {
  return {
    code: row.code as string,
    title: row.title as string,
    lessons: JSON.parse(row.lessons as string) as string[],
    startsAt: row.starts_at as number,
    endsAt: row.ends_at as number,
    seats: row.seats as number | null,
    expected: row.expected as number | null,
    createdAt: row.created_at as number,
    endedAt: row.ended_at as number | null,
  };
}
