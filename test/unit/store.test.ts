import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../sandbox-server/store/migrations.ts';
import { openStore, type Store } from '../../sandbox-server/store/store.ts';

const dirs: string[] = [];
const stores: Store[] = [];

function freshFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-store-'));
  dirs.push(dir);
  return path.join(dir, 'state', 'dockhand.sqlite');
}

function open(file: string): Store {
  const store = openStore(file);
  stores.push(store);
  return store;
}

/** A database file as an older version of the schema left it, holding what `rows` insert. */
function oldDatabase(version: number, rows: string[]): string {
  const file = freshFile();
  mkdirSync(path.dirname(file), { recursive: true });
  const old = new DatabaseSync(file);
  for (const migration of MIGRATIONS.slice(0, version)) old.exec(migration);
  old.exec(`PRAGMA user_version = ${version}`);
  for (const row of rows) old.exec(row);
  old.close();
  return file;
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const newSession = {
  id: 's1',
  tokenHash: 'abc',
  lesson: 'hello-world',
  workshop: null,
  name: 'Ada',
  learner: null,
  participant: null,
  createdAt: 1000,
};

describe('the SQLite store (a real file)', () => {
  it('keeps sessions and progress across a reopen', () => {
    const file = freshFile();
    const first = open(file);
    first.createSession(newSession);
    first.setSandbox('s1', 'box1');
    first.recordCheck('s1', 'hello-world', 'first-run', true, 'ok', 2000);
    first.close();
    stores.length = 0;
    const second = open(file);
    expect(second.getSession('s1')).toMatchObject({ sandboxId: 'box1', state: 'active', name: 'Ada' });
    expect(second.progress('s1')).toEqual([expect.objectContaining({ exercise: 'first-run', passedAt: 2000 })]);
  });

  it('reads rows through their schema: a column of the wrong type is named, not cast', () => {
    const file = freshFile();
    const store = open(file);
    store.createSession(newSession);
    store.createWorkshop({ code: 'ABC123', title: 'T', lessons: ['a'], startsAt: 1, endsAt: 2, seats: null, expected: null, createdAt: 1 });
    const raw = new DatabaseSync(file);
    raw.exec(`UPDATE sessions SET created_at = 'yesterday', end_reason = 'from-a-newer-version' WHERE id = 's1'`);
    raw.exec(`UPDATE workshops SET lessons = 'not json' WHERE code = 'ABC123'`);
    raw.close();
    expect(() => store.getSession('s1')).toThrow(/sessions row does not read \(created_at: /);
    expect(() => store.getWorkshop('ABC123')).toThrow(/workshops row does not read \(lessons: /);
    expect(store.getSession('nope')).toBeUndefined();
  });

  it('keeps progress monotonic: a later failing check does not un-pass an exercise', () => {
    const store = open(freshFile());
    store.createSession(newSession);
    store.recordCheck('s1', 'l', 'e', false, 'missing', 1);
    store.recordCheck('s1', 'l', 'e', true, 'ok', 2);
    const after = store.recordCheck('s1', 'l', 'e', false, 'container gone', 3);
    expect(after).toMatchObject({ passedAt: 2, checksFailed: 2, lastMessage: 'container gone' });
  });

  it('records hints used (the highest count) and the first solution reveal', () => {
    const store = open(freshFile());
    store.createSession(newSession);
    store.recordHint('s1', 'l', 'e', 2, 1);
    store.recordHint('s1', 'l', 'e', 1, 2);
    store.recordSolutionRevealed('s1', 'l', 'e', 5);
    expect(store.recordSolutionRevealed('s1', 'l', 'e', 9)).toMatchObject({ hintsUsed: 2, solutionRevealedAt: 5 });
  });

  it('ends a session once and lists only active ones', () => {
    const store = open(freshFile());
    store.createSession(newSession);
    store.createSession({ ...newSession, id: 's2' });
    store.endSession('s1', 10, 'idle');
    store.endSession('s1', 20, 'lifetime');
    expect(store.getSession('s1')).toMatchObject({ state: 'ended', endedAt: 10, endCode: 'idle' });
    expect(store.activeSessions().map((s) => s.id)).toEqual(['s2']);
  });

  it('migrates a database to the latest schema version once, keeping what an older version wrote', () => {
    // A database as version 3 of the schema left it: end reasons were sentences then.
    const file = oldDatabase(3, [
      `INSERT INTO sessions (id, token_hash, state, created_at, last_active_at, ended_at, end_reason)
       VALUES ('old', 'h', 'ended', 1, 1, 2, 'maximum lifetime reached')`,
    ]);
    const store = open(file);
    expect(store.getSession('old')).toMatchObject({ state: 'ended', endCode: 'lifetime' });
    store.close();
    stores.length = 0;
    const again = new DatabaseSync(file);
    expect(again.prepare('PRAGMA user_version').get()).toEqual({ user_version: MIGRATIONS.length });
    again.close();
    // Opening a current database applies nothing twice.
    expect(open(file).getSession('old')).toMatchObject({ endCode: 'lifetime' });
  });

  it('refuses a second participant of the same name in a workshop with a typed error', () => {
    const store = open(freshFile());
    const ada = { id: 'p1', workshop: 'K7P4QX', learner: null, name: 'Ada', joinedAt: 1 };
    store.createParticipant(ada);
    expect(() => store.createParticipant({ ...ada, id: 'p2', name: 'ada' })).toThrow(
      expect.objectContaining({ code: 'name_taken', message: expect.stringMatching(/"ada" is already taken/) }),
    );
    expect(() => store.createParticipant({ ...ada, id: 'p3', workshop: 'OTHER1' })).not.toThrow();
  });

  it('gives a workshop session of before learners a participant row of its own (migration 5)', () => {
    const file = oldDatabase(4, [
      `INSERT INTO sessions (id, token_hash, workshop, name, state, created_at, last_active_at)
       VALUES ('w1', 'h', 'K7P4QX', 'Ada', 'active', 5, 5), ('self', 'h', NULL, NULL, 'active', 6, 6)`,
      `INSERT INTO progress (session_id, lesson, exercise, passed_at, updated_at) VALUES ('w1', 'l', 'e', 7, 7)`,
    ]);
    const store = open(file);
    expect(store.workshopParticipants('K7P4QX')).toEqual([{ id: 'w1', workshop: 'K7P4QX', learner: null, name: 'Ada', joinedAt: 5 }]);
    expect(store.getSession('w1')).toMatchObject({ participant: 'w1', learner: null });
    expect(store.participantProgress('w1')).toEqual([expect.objectContaining({ exercise: 'e', passedAt: 7 })]);
    expect(store.getSession('self')).toMatchObject({ participant: null });
  });

  it("merges a learner's sessions: the first pass and reveal, failures added, most hints, latest message", () => {
    const store = open(freshFile());
    store.createLearner({ id: 'L', tokenHash: 'th', createdAt: 1 });
    expect(store.learnerByTokenHash('th')).toEqual({ id: 'L', tokenHash: 'th', createdAt: 1 });
    expect(store.learnerByTokenHash('other')).toBeUndefined();
    store.createSession({ ...newSession, id: 'a', learner: 'L' });
    store.createSession({ ...newSession, id: 'b', learner: 'L' });
    store.createSession({ ...newSession, id: 'stranger' });
    store.recordCheck('a', 'l', 'e', false, 'no container', 10);
    store.recordHint('a', 'l', 'e', 2, 11);
    store.recordCheck('a', 'l', 'e', true, 'done', 12);
    store.recordCheck('b', 'l', 'e', false, 'container gone', 20);
    store.recordHint('b', 'l', 'e', 1, 21);
    store.recordSolutionRevealed('b', 'l', 'e', 22);
    store.recordCheck('stranger', 'l', 'f', true, 'done', 30);
    const merged = {
      lesson: 'l',
      exercise: 'e',
      passedAt: 12,
      checksFailed: 2,
      hintsUsed: 2,
      solutionRevealedAt: 22,
      lastMessage: 'container gone',
    };
    expect(store.learnerProgress('L')).toEqual([merged]);
    // A session of the learner sees the learner's progress; one without a learner only its own.
    expect(store.progress('b')).toEqual([merged]);
    expect(store.progress('stranger')).toEqual([expect.objectContaining({ exercise: 'f' })]);
  });

  it("keeps a participant's progress to their sittings of the workshop", () => {
    const store = open(freshFile());
    store.createLearner({ id: 'L', tokenHash: 'th', createdAt: 1 });
    store.createParticipant({ id: 'p', workshop: 'K7P4QX', learner: 'L', name: 'Ada', joinedAt: 2 });
    store.createSession({ ...newSession, id: 'alone', learner: 'L' });
    store.createSession({ ...newSession, id: 'w1', learner: 'L', workshop: 'K7P4QX', participant: 'p' });
    store.createSession({ ...newSession, id: 'w2', learner: 'L', workshop: 'K7P4QX', participant: 'p' });
    store.recordCheck('alone', 'l', 'before', true, 'done', 3);
    store.recordCheck('w1', 'l', 'e', true, 'done', 4);
    expect(store.progress('w2').map((row) => row.exercise)).toEqual(['e']);
    expect(store.learnerProgress('L').map((row) => row.exercise)).toEqual(['before', 'e']);
    expect(store.participantSessions('p').map((session) => session.id)).toEqual(['w1', 'w2']);
    expect(store.participantOfLearner('K7P4QX', 'L')?.id).toBe('p');
    expect(store.participantByName('K7P4QX', 'ADA')?.id).toBe('p');
    expect(store.learnerParticipants('L').map((row) => row.id)).toEqual(['p']);
  });
});
