// Sessions and the waiting line in front of them, as the server runs them: an ended session stops being
// checked and frees its place in line; an adopted one (after a restart) holds its place again and loses
// the terminals the earlier server had attached.
import type { Checker } from '../checks/checker.ts';
import type { Config } from '../config.ts';
import type { SandboxBackend } from '../sandboxes/backend.ts';
import type { Pool } from '../sandboxes/pool.ts';
import { createAdmission } from '../sessions/admission.ts';
import type { EventBus } from '../sessions/events.ts';
import { hostMemoryAvailable } from '../sessions/host-memory.ts';
import { createLobby, type Lobby } from '../sessions/lobby.ts';
import { ADOPT_POLICY, createSessions, type LiveSession, type Sessions } from '../sessions/sessions.ts';
import { newSessionId } from '../sessions/tokens.ts';
import type { Store } from '../store/store.ts';
import { detachAllTerminals } from '../terminal/terminal.ts';

export type ServerSessionsDeps = {
  config: Config;
  store: Store;
  pool: Pool;
  sandboxes: SandboxBackend;
  events: EventBus;
  checker: Checker;
  /** A session that waited in line got its sandbox. */
  onAdmitted(session: LiveSession): Promise<void>;
  log(line: string): void;
};

export function createServerSessions(deps: ServerSessionsDeps): { sessions: Sessions; lobby: Lobby } {
  const { config, sandboxes, log } = deps;
  const sessions = createSessions({
    store: deps.store,
    pool: deps.pool,
    sandboxes,
    events: deps.events,
    timeouts: config.timeouts,
    adoptPolicy: { ...ADOPT_POLICY, baseMs: config.adoptTimeoutMs },
    onEnded: (id) => {
      deps.checker.forget(id);
      lobby.ended(id);
    },
    onAdopted: async (session) => {
      lobby.hold(session);
      await detachAllTerminals(sandboxes, session.sandbox).catch((error: Error) => log(error.message));
    },
  });
  const lobby = createLobby({
    sessions,
    admission: createAdmission(config.admission, newSessionId, hostMemoryAvailable(config.meminfo)),
    events: deps.events,
    onAdmitted: deps.onAdmitted,
    onError: (error) => log(`a session that waited in line could not start: ${error.message}`),
  });
  return { sessions, lobby };
}
