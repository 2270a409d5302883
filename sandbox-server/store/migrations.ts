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
  `CREATE TABLE progress (
     session_id TEXT NOT NULL REFERENCES sessions (id),
     lesson TEXT NOT NULL,
     exercise TEXT NOT NULL,
     passed_at INTEGER,
     checks_failed INTEGER NOT NULL DEFAULT 0,
     hints_used INTEGER NOT NULL DEFAULT 0,
     solution_revealed_at INTEGER,
     last_message TEXT,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (session_id, lesson, exercise)
   );`,
  `CREATE TABLE workshops (
     code TEXT PRIMARY KEY,
     title TEXT NOT NULL,
     lessons TEXT NOT NULL,
     starts_at INTEGER NOT NULL,
     ends_at INTEGER NOT NULL,
     seats INTEGER,
     expected INTEGER,
     created_at INTEGER NOT NULL,
     ended_at INTEGER
   );
   CREATE INDEX sessions_workshop ON sessions (workshop);
   CREATE UNIQUE INDEX sessions_workshop_name ON sessions (workshop, lower(name)) WHERE workshop IS NOT NULL;`,
  // End reasons are kept as stable codes (protocol/sessions.ts), no longer as sentences.
  `UPDATE sessions SET end_reason = CASE end_reason
     WHEN 'idle timeout' THEN 'idle'
     WHEN 'maximum lifetime reached' THEN 'lifetime'
     WHEN 'ended by the learner' THEN 'learner'
     WHEN 'the workshop has ended' THEN 'workshop'
     WHEN 'its sandbox was lost while the server was down' THEN 'lost'
     ELSE end_reason END
   WHERE end_reason IS NOT NULL;`,
  // Learners own sessions and progress; a workshop participant is a learner in a workshop, one row however
  // often they rejoin (names are unique per workshop here now, no longer per session).
  `CREATE TABLE learners (
     id TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE participants (
     id TEXT PRIMARY KEY,
     workshop TEXT NOT NULL,
     learner TEXT REFERENCES learners (id),
     name TEXT NOT NULL,
     joined_at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX participants_name ON participants (workshop, lower(name));
   CREATE UNIQUE INDEX participants_learner ON participants (workshop, learner) WHERE learner IS NOT NULL;
   ALTER TABLE sessions ADD COLUMN learner TEXT REFERENCES learners (id);
   ALTER TABLE sessions ADD COLUMN participant TEXT REFERENCES participants (id);
   INSERT INTO participants (id, workshop, name, joined_at)
     SELECT id, workshop, coalesce(name, ''), created_at FROM sessions WHERE workshop IS NOT NULL;
   UPDATE sessions SET participant = id WHERE workshop IS NOT NULL;
   DROP INDEX sessions_workshop_name;
   CREATE INDEX sessions_learner ON sessions (learner) WHERE learner IS NOT NULL;
   CREATE INDEX sessions_participant ON sessions (participant) WHERE participant IS NOT NULL;`,
];
