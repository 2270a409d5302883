// The pool tells live from dead. The host's dockerd is shared here, so its restart is simulated for this
// instance's own sandboxes: a warm sandbox's container is stopped behind the pool's back (the pool hears
// the host engine's event and replaces it), another is paused (no event: the claim's proof of life
// finds it), and a learner's running sandbox is stopped (it is started again on its disk).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { forgetKeptDisks, reapSandboxes } from '../../sandbox-server/sandboxes/cleanup.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxDirs } from '../../sandbox-server/sandboxes/host.ts';
import { labelFilter } from '../../sandbox-server/sandboxes/labels.ts';
import { describeSandbox } from '../../sandbox-server/sandboxes/sandbox.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api, createSession } from '../../scripts/lib/api.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const engine = connectHostEngine();
const backend = testBackend();
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-pool-liveness-'));
const config = testConfig({ DOCKHAND_POOL_SIZE: '2', DOCKHAND_STATE_DIR: stateDir });
const SOON = { timeout: 120_000, interval: 200 };
let dockhand: Dockhand;
const logged: string[] = [];

beforeAll(async () => {
  dockhand = await startDockhand(config, (line) => void logged.push(line));
  await vi.waitFor(() => expect(dockhand.pool.stats()).toMatchObject({ ready: 2, starting: 0 }), SOON);
});

afterAll(async () => {
  await dockhand?.close();
  await reapSandboxes(engine, config);
  await forgetKeptDisks(config);
  rmSync(stateDir, { recursive: true, force: true });
});

/** Ids of this instance's sandboxes that run now. */
async function runningSandboxes(): Promise<string[]> {
  const list = await engine.listContainers({ filters: labelFilter(config.instance, 'sandbox') });
  return list.map((container) => container.Labels['dockhand.sandbox'] as string);
}

const container = (id: string) => engine.getContainer(describeSandbox(sandboxDirs(config), id).containerName);

/** Health as the instructor sees it: the pool's figures come only with the admin token. */
const health = async () =>
  (await api(dockhand.url, 'GET', '/api/health', { token: dockhand.adminToken })).body as { pool: { ready: number; dead: number } };

describe('a warm pool whose sandboxes die behind its back', () => {
  it('replaces a warm sandbox whose container was stopped, and health counts only live ones meanwhile', async () => {
    const [victim] = await runningSandboxes();
    await container(victim as string).stop({ t: 1 });
    await expect.poll(async () => (await health()).pool.dead, SOON).toBeGreaterThanOrEqual(1);
    expect(await runningSandboxes()).not.toContain(victim);
    await expect.poll(() => dockhand.pool.stats(), SOON).toMatchObject({ ready: 2, starting: 0 });
    expect((await health()).pool.ready).toBe(2);
  });

  it('never hands a learner a warm sandbox whose engine does not answer, even unannounced', { timeout: 300_000 }, async () => {
    const held = await runningSandboxes();
    // Paused: no event tells the pool; only the claim's proof of life can tell.
    for (const id of held) await container(id).pause();
    const deadBefore = dockhand.pool.stats().dead;
    try {
      const created = await createSession(dockhand.url);
      expect(held).not.toContain(created.sandbox.id);
      const shell = await runAsLearner(backend, created.sandbox, ['sh', '-c', 'docker info --format "{{.ServerVersion}}"']);
      expect(shell.exitCode, shell.stderr).toBe(0);
      expect(dockhand.pool.stats().dead).toBe(deadBefore + held.length);
      await api(dockhand.url, 'DELETE', `/api/sessions/${created.id}`, { token: created.token });
    } finally {
      for (const id of held)
        await container(id)
          .unpause()
          .catch(() => {});
    }
    await expect.poll(() => dockhand.pool.stats(), SOON).toMatchObject({ ready: 2, starting: 0 });
  });

  it("starts a learner's sandbox again on its disk when it stops, and the session goes on", { timeout: 300_000 }, async () => {
    const created = await createSession(dockhand.url);
    const note = await runAsLearner(backend, created.sandbox, ['sh', '-c', 'echo still-here > ~/workspace/note']);
    expect(note.exitCode, note.stderr).toBe(0);
    await container(created.sandbox.id).stop({ t: 1 });
    await expect
      .poll(
        async () => (await runAsLearner(backend, created.sandbox, ['sh', '-c', 'cat ~/workspace/note && docker info >/dev/null'])).stdout,
        SOON,
      )
      .toBe('still-here\n');
    const after = await api(dockhand.url, 'GET', `/api/sessions/${created.id}`, { token: created.token });
    expect(after.body).toMatchObject({ state: 'active' });
    expect(logged.some((line) => line.includes(`sandbox ${created.sandbox.id} stopped by itself`))).toBe(true);
    await api(dockhand.url, 'DELETE', `/api/sessions/${created.id}`, { token: created.token });
  });
});
