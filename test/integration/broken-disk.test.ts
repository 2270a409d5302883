// One learner breaks their own kept disk on purpose, again and again. That is their problem alone: they
// get a sentence and the choice to start fresh (their kept work stays until they choose), while the host
// stays healthy and every other learner still gets a sandbox.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { forgetKeptDisks } from '../../sandbox-server/sandboxes/cleanup.ts';
import { createDindBackend } from '../../sandbox-server/sandboxes/dind.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import { RESUME_FAILED } from '../../sandbox-server/sandboxes/pool.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api } from '../../scripts/lib/api.ts';
import { testConfig } from '../support/env.ts';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-broken-disk-'));
const config = testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir });
// The server's own view of its disks (its state directory is this test's).
const backend = createDindBackend(connectHostEngine(), sandboxOptions(config, inject('sandboxHost')));
let dockhand: Dockhand;
let base: string;

beforeAll(async () => {
  dockhand = await startDockhand(config, () => {});
  base = dockhand.url;
});

afterAll(async () => {
  await dockhand?.close();
  await forgetKeptDisks(config);
  rmSync(stateDir, { recursive: true, force: true });
});

type Session = { id: string; token: string; sandbox: { id: string } };

async function newLearner(): Promise<{ id: string; token: string }> {
  const made = await api(base, 'POST', '/api/learners');
  expect(made.status).toBe(201);
  return made.body as { id: string; token: string };
}

describe('a learner who breaks their kept disk', () => {
  it('is told so and may start fresh; the host stays healthy and others still get sandboxes', async () => {
    const { id: learnerId, token: learner } = await newLearner();
    const first = await api(base, 'POST', '/api/sessions', { body: { learner } });
    expect(first.status).toBe(201);
    const mine = first.body as unknown as Session;
    const broken = await runAsLearner(backend, mine.sandbox, [
      'sh',
      '-c',
      'echo my-work > ~/workspace/notes.txt && rm -rf ~/.local/share/docker && touch ~/.local/share/docker',
    ]);
    expect(broken.exitCode, broken.stderr).toBe(0);
    expect((await api(base, 'DELETE', `/api/sessions/${mine.id}?keep=work`, { token: mine.token })).status).toBe(200);

    // Twice: a learner who repeats it at will changes nothing for anyone else.
    for (let attempt = 0; attempt < 2; attempt++) {
      const again = await api(base, 'POST', '/api/sessions', { body: { learner } });
      expect(again).toMatchObject({ status: 409, body: { code: 'resume_failed', error: RESUME_FAILED } });
      const health = await api(base, 'GET', '/api/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ ok: true, problems: [] });
      const other = await api(base, 'POST', '/api/sessions', { body: { learner: (await newLearner()).token } });
      expect(other.status).toBe(201);
      const theirs = other.body as unknown as Session;
      await api(base, 'DELETE', `/api/sessions/${theirs.id}`, { token: theirs.token });
    }
    // The instructor's view of health names the backend and finds nothing wrong with the host.
    const details = await api(base, 'GET', '/api/health', { token: dockhand.adminToken });
    expect(details.body).toMatchObject({ ok: true, problems: [], backend: { kind: 'dind', docker: { version: expect.any(String) } } });
    // Their kept disk (kept under their learner id) waits for their choice.
    expect(await backend.keptDisk(learnerId)).toBeDefined();

    // The learner's choice: a fresh sandbox without the kept work.
    const fresh = await api(base, 'POST', '/api/sessions', { body: { learner, fresh: true } });
    expect(fresh).toMatchObject({ status: 201, body: { resumed: false } });
    const session = fresh.body as unknown as Session;
    const files = await runAsLearner(backend, session.sandbox, ['sh', '-c', 'ls ~/workspace; docker run --rm busybox true']);
    expect(files).toMatchObject({ exitCode: 0, stdout: '' });
    await api(base, 'DELETE', `/api/sessions/${session.id}`, { token: session.token });
  });
});
