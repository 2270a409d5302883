// Versioned schema changes, applied in order on open. Never edit a released migration: add one.
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL,
     lesson TEXT,
     workshop TEXT,
     name TEXT,
     sandbox_id TEXT,
     state TEXT NOT NULL CHECK (state IN ('active', 'ended')),
     created_at INTEGER NOT NULL,
     last_active_at INTEGER NOT NULL,
     ended_at INTEGER,
     end_reason TEXT
   );
   CREATE INDEX sessions_active ON sessions (state) WHERE state = 'active';`,
];
