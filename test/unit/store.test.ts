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

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const newSession = { id: 's1', tokenHash: 'abc', lesson: 'hello-world', workshop: null, name: 'Ada', createdAt: 1000 };

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
    const file = freshFile();
    // A database as version 3 of the schema left it: end reasons were sentences then.
    mkdirSync(path.dirname(file), { recursive: true });
    const old = new DatabaseSync(file);
    for (const migration of MIGRATIONS.slice(0, 3)) old.exec(migration);
    old.exec('PRAGMA user_version = 3');
    old.exec(`INSERT INTO sessions (id, token_hash, state, created_at, last_active_at, ended_at, end_reason)
              VALUES ('old', 'h', 'ended', 1, 1, 2, 'maximum lifetime reached')`);
    old.close();
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
    store.createSession({ ...newSession, workshop: 'K7P4QX' });
    expect(() => store.createSession({ ...newSession, id: 's2', workshop: 'K7P4QX', name: 'ada' })).toThrow(
      expect.objectContaining({ code: 'name_taken', message: expect.stringMatching(/"ada" is already taken/) }),
    );
    expect(() => store.createSession({ ...newSession, id: 's3', workshop: 'OTHER1' })).not.toThrow();
  });
});
