// The host's memory runs short while learners work: newcomers wait in the line, nobody running loses a
// sandbox, and the line moves by itself once memory comes back. The host's reading comes from a file in
// /proc/meminfo's format (DOCKHAND_MEMINFO) that the test writes: a squeeze without starving the machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api, type Created } from '../../scripts/lib/api.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-squeeze-'));
const meminfo = path.join(stateDir, 'meminfo');
const MiB = 1024 ** 2;
const available = (bytes: number) => writeFileSync(meminfo, `MemTotal: 25165824 kB\nMemAvailable: ${Math.round(bytes / 1024)} kB\n`);
const config = testConfig({
  DOCKHAND_POOL_SIZE: '0',
  DOCKHAND_STATE_DIR: stateDir,
  DOCKHAND_MEMINFO: meminfo,
  DOCKHAND_SANDBOX_GUARANTEE: '256m',
  DOCKHAND_HOST_RESERVE: '1g',
});
const backend = testBackend();
let dockhand: Dockhand;

beforeAll(async () => {
  available(8192 * MiB);
  dockhand = await startDockhand(config, () => {});
});

afterAll(async () => {
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a memory squeeze', () => {
  it('sends newcomers to the line, stops nobody, and admits them once memory comes back', async () => {
    const running: Created[] = [];
    for (let index = 0; index < 2; index++) {
      const made = await api(dockhand.url, 'POST', '/api/sessions', { body: {} });
      expect(made.status).toBe(201);
      running.push(made.body as unknown as Created);
    }
    for (const session of running) {
      const started = await runAsLearner(backend, session.sandbox, ['docker', 'run', '-d', '--name', 'work', 'busybox', 'sleep', '600']);
      expect(started.exitCode, started.stderr).toBe(0);
    }

    // Less than the reserve and one guarantee left: the next learner waits, with a place in line.
    available(1024 * MiB + 200 * MiB);
    const newcomer = await api(dockhand.url, 'POST', '/api/sessions', { body: {} });
    expect(newcomer).toMatchObject({ status: 202, body: { state: 'queued', position: 1 } });
    const waiting = newcomer.body as unknown as Created;
    // Nobody running lost anything.
    for (const session of running) {
      const still = await runAsLearner(backend, session.sandbox, ['docker', 'inspect', '-f', '{{.State.Running}}', 'work']);
      expect(still).toMatchObject({ exitCode: 0, stdout: 'true\n' });
      expect((await api(dockhand.url, 'GET', `/api/sessions/${session.id}`, { token: session.token })).body).toMatchObject({
        state: 'active',
      });
    }
    expect((await api(dockhand.url, 'GET', `/api/sessions/${waiting.id}`, { token: waiting.token })).body).toMatchObject({
      state: 'queued',
    });

    // Memory comes back without anyone leaving: the line moves by itself.
    available(4096 * MiB);
    await vi.waitFor(
      async () =>
        expect((await api(dockhand.url, 'GET', `/api/sessions/${waiting.id}`, { token: waiting.token })).body).toMatchObject({
          state: 'active',
        }),
      { timeout: 60_000, interval: 500 },
    );
  });
});
