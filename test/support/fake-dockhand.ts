// The whole server (real HTTP, real SQLite in a temporary state directory, the fixture course) on the fake
// backend, on loopback: what unit tests of the API and of the site's scripts talk to, without Docker.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../sandbox-server/config.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { type FakeBackendHost, fakeBackendHost } from './fake-backend.ts';

export type FakeDockhand = {
  dockhand: Dockhand;
  host: FakeBackendHost;
  /** What the server logged. */
  logs: string[];
  close(): Promise<void>;
};

/**
 * `env`: settings over the test's own: one client may start many sessions, no warm pool, and admission
 * sees a roomy host whatever this machine's memory is doing (a test of the line sets DOCKHAND_MAX_SANDBOXES).
 */
export async function startFakeDockhand(env: NodeJS.ProcessEnv = {}, host = fakeBackendHost()): Promise<FakeDockhand> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-fake-'));
  const meminfo = path.join(stateDir, 'meminfo');
  await writeFile(meminfo, `MemAvailable:   ${64 * 1024 * 1024} kB\n`);
  const config = loadConfig({
    DOCKHAND_STATE_DIR: stateDir,
    DOCKHAND_MEMINFO: meminfo,
    DOCKHAND_MAX_SANDBOXES: '20',
    DOCKHAND_COURSE: 'test/fixtures/course',
    PORT: '0',
    DOCKHAND_POOL_SIZE: '0',
    DOCKHAND_SESSIONS_PER_CLIENT: '1000',
    DOCKHAND_SESSIONS_PER_MINUTE: '100000',
    DOCKHAND_LEARNERS_PER_MINUTE: '100000',
    ...env,
  });
  const logs: string[] = [];
  const dockhand = await startDockhand(config, (line) => logs.push(line), host).catch(async (error: unknown) => {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  });
  return {
    dockhand,
    host,
    logs,
    async close() {
      await dockhand.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
