// The test suite runs as its own Dockhand instance, on its own network, so it never touches a
// Dockhand that a developer has running on the same engine, and it can remove all it made.
// DOCKHAND_TEST_INSTANCE / DOCKHAND_TEST_SUBNET let two suites share one engine without colliding.
import { type Config, loadConfig } from '../../sandbox-server/config.ts';

export const TEST_INSTANCE = process.env.DOCKHAND_TEST_INSTANCE ?? 'test';

export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    DOCKHAND_INSTANCE: TEST_INSTANCE,
    DOCKHAND_SUBNET: process.env.DOCKHAND_TEST_SUBNET ?? '172.31.214.0/24',
    DOCKHAND_STATE_DIR: `.dockhand/${TEST_INSTANCE}-state`,
    PORT: '0',
    // The suite is one client that starts many sessions; the tests of admission set their own bounds.
    DOCKHAND_SESSIONS_PER_CLIENT: '1000',
    DOCKHAND_SESSIONS_PER_MINUTE: '100000',
    DOCKHAND_LEARNERS_PER_MINUTE: '100000',
    DOCKHAND_RESUME_TRIES_PER_MINUTE: '100000',
    DOCKHAND_JOIN_TRIES_PER_MINUTE: '100000',
    ...overrides,
  });
}
