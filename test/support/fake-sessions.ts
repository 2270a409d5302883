// Sessions on the fake backend and an in-memory store: the real session and workshop logic, no Docker.
import { createPool } from '../../sandbox-server/sandboxes/pool.ts';
import { createEventBus } from '../../sandbox-server/sessions/events.ts';
import { createSessions, type Timeouts } from '../../sandbox-server/sessions/sessions.ts';
import { openStore } from '../../sandbox-server/store/store.ts';
import { fakeBackend } from './fake-backend.ts';

export const TIMEOUTS: Timeouts = { idleMs: 60_000, lifetimeMs: 600_000, warnMs: 10_000 };

export function fakeSessions(timeouts = TIMEOUTS) {
  const backend = fakeBackend();
  const store = openStore(':memory:');
  const events = createEventBus();
  const pool = createPool(0, {
    launch: () => backend.start(),
    destroy: (sandbox) => backend.destroy(sandbox),
    onFailure: () => {},
    onError: () => {},
  });
  const sessions = createSessions({ store, pool, sandboxes: backend, events, timeouts });
  return { backend, store, events, sessions };
}
