// Dockhand's durable state behind one small interface, so another database can stand behind it later.
// The default is an embedded SQLite file (node:sqlite) under the state directory.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { z } from 'zod';
import { DockhandError } from '../errors.ts';
import type { EndCode } from '../protocol/sessions.ts';
import { MIGRATIONS } from './migrations.ts';
import { CountRow, LearnerRow, ParticipantRow, ProgressRow, parseRow, SessionRow, WorkshopRow } from './rows.ts';

export type SessionRecord = z.output<typeof SessionRow>;

export type NewSession = Pick<SessionRecord, 'id' | 'tokenHash' | 'lesson' | 'workshop' | 'name' | 'learner' | 'participant' | 'createdAt'>;

export type LearnerRecord = z.output<typeof LearnerRow>;

/** A learner in a workshop (or, from before learners, one session's seat): one row however often they rejoin. */
export type ParticipantRecord = z.output<typeof ParticipantRow>;

export type ExerciseProgress = z.output<typeof ProgressRow>;

export type WorkshopRecord = z.output<typeof WorkshopRow>;

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

  const readSession = (row: unknown) => parseRow(SessionRow, 'sessions', row);
  const readParticipant = (row: unknown) => parseRow(ParticipantRow, 'participants', row);
  const readProgress = (row: unknown) => parseRow(ProgressRow, 'progress', row);
  const readWorkshop = (row: unknown) => parseRow(WorkshopRow, 'workshops', row);
  const maybe = <T>(row: unknown, read: (row: unknown) => T): T | undefined => (row === undefined ? undefined : read(row));

  /** Runs an update on an exercise's progress row (made on first use) and returns the row. */
  function updateProgress(sessionId: string, lesson: string, exercise: string, at: number, update: () => void): ExerciseProgress {
    ensureProgress.run(sessionId, lesson, exercise, at);
    update();
    return readProgress(oneProgress.get(sessionId, lesson, exercise));
  }

  return {
    createSession(session) {
      const { id, tokenHash, lesson, workshop, name, learner, participant, createdAt } = session;
      insert.run(id, tokenHash, lesson, workshop, name, learner, participant, createdAt, createdAt);
      return readSession(byId.get(id));
    },
    createLearner(learner) {
      insertLearner.run(learner.id, learner.tokenHash, learner.createdAt);
      return learner;
    },
    learnerByTokenHash(tokenHash) {
      return maybe(learnerByHash.get(tokenHash), (row) => parseRow(LearnerRow, 'learners', row));
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
    getParticipant: (id) => maybe(participantById.get(id), readParticipant),
    participantOfLearner: (workshop, learner) => maybe(participantByLearner.get(workshop, learner), readParticipant),
    participantByName: (workshop, name) => maybe(participantByName.get(workshop, name), readParticipant),
    participantCount: (workshop) => parseRow(CountRow, 'participants', participantsInWorkshop.get(workshop)),
    workshopParticipants: (workshop) => participantsOfWorkshop.all(workshop).map(readParticipant),
    learnerParticipants: (learner) => participantsOfLearner.all(learner).map(readParticipant),
    participantSessions: (participant) => sessionsOfParticipant.all(participant).map(readSession),
    getSession: (id) => maybe(byId.get(id), readSession),
    activeSessions: () => active.all().map(readSession),
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
      const owner = maybe(byId.get(sessionId), readSession);
      if (owner?.participant) return mergeProgress(participantProgress.all(owner.participant).map(readProgress));
      if (owner?.learner) return mergeProgress(learnerProgress.all(owner.learner).map(readProgress));
      return mergeProgress(sessionProgress.all(sessionId).map(readProgress));
    },
    learnerProgress: (learner) => mergeProgress(learnerProgress.all(learner).map(readProgress)),
    participantProgress: (participant) => mergeProgress(participantProgress.all(participant).map(readProgress)),
    createWorkshop(workshop) {
      const { code, title, lessons, startsAt, endsAt, seats, expected, createdAt } = workshop;
      insertWorkshop.run(code, title, JSON.stringify(lessons), startsAt, endsAt, seats, expected, createdAt);
      return readWorkshop(workshopByCode.get(code));
    },
    getWorkshop: (code) => maybe(workshopByCode.get(code), readWorkshop),
    workshops: () => allWorkshops.all().map(readWorkshop),
    extendWorkshop: (code, endsAt) => void extendWorkshop.run(endsAt, code),
    endWorkshop: (code, at) => void endWorkshop.run(at, code),
    workshopSessions: (code) => sessionsOfWorkshop.all(code).map(readSession),
    close: () => db.close(),
  };
}

function migrate(db: DatabaseSync): void {
  const { user_version: version } = z.object({ user_version: z.number() }).parse(db.prepare('PRAGMA user_version').get());
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
