// Dockhand's durable state behind one small interface, so another database can stand behind it later.
// The default is an embedded SQLite file (node:sqlite) under the state directory.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from './migrations.ts';

export type SessionRecord = {
  id: string;
  tokenHash: string;
  lesson: string | null;
  workshop: string | null;
  name: string | null;
  sandboxId: string | null;
  state: 'active' | 'ended';
  createdAt: number;
  lastActiveAt: number;
  endedAt: number | null;
  endReason: string | null;
};

export type NewSession = Pick<SessionRecord, 'id' | 'tokenHash' | 'lesson' | 'workshop' | 'name' | 'createdAt'>;

export type Store = {
  createSession(session: NewSession): SessionRecord;
  getSession(id: string): SessionRecord | undefined;
  activeSessions(): SessionRecord[];
  setSandbox(id: string, sandboxId: string | null): void;
  touchSession(id: string, at: number): void;
  endSession(id: string, at: number, reason: string): void;
  close(): void;
};

type Row = Record<string, string | number | null>;

export function openStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  migrate(db);

  const insert = db.prepare(
    `INSERT INTO sessions (id, token_hash, lesson, workshop, name, state, created_at, last_active_at)
     VALUES (?, ?, ?, ?, ?, 'active', ?, ?)`,
  );
  const byId = db.prepare('SELECT * FROM sessions WHERE id = ?');
  const active = db.prepare(`SELECT * FROM sessions WHERE state = 'active' ORDER BY created_at`);
  const setSandbox = db.prepare('UPDATE sessions SET sandbox_id = ? WHERE id = ?');
  const touch = db.prepare('UPDATE sessions SET last_active_at = max(last_active_at, ?) WHERE id = ?');
  const end = db.prepare(`UPDATE sessions SET state = 'ended', ended_at = ?, end_reason = ? WHERE id = ? AND state = 'active'`);

  return {
    createSession(session) {
      insert.run(session.id, session.tokenHash, session.lesson, session.workshop, session.name, session.createdAt, session.createdAt);
      return toSession(byId.get(session.id) as Row);
    },
    getSession(id) {
      const row = byId.get(id) as Row | undefined;
      return row ? toSession(row) : undefined;
    },
    activeSessions: () => (active.all() as Row[]).map(toSession),
    setSandbox: (id, sandboxId) => void setSandbox.run(sandboxId, id),
    touchSession: (id, at) => void touch.run(at, id),
    endSession: (id, at, reason) => void end.run(at, reason, id),
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
    sandboxId: row.sandbox_id as string | null,
    state: row.state as 'active' | 'ended',
    createdAt: row.created_at as number,
    lastActiveAt: row.last_active_at as number,
    endedAt: row.ended_at as number | null,
    endReason: row.end_reason as string | null,
  };
}
