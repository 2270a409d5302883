// Admission against a real Dockhand: a flood of session requests from one address, and a full host
// whose newcomers wait in line and all reach a prompt, in order, as sandboxes free up.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api, openEvents, sessionSocketUrl } from '../support/api.ts';
import { testConfig } from '../support/env.ts';
import { connectTerminal } from '../support/terminal-client.ts';

const stateRoot = await mkdtemp(path.join(os.tmpdir(), 'dockhand-admission-'));
let dockhand: Dockhand | undefined;

afterEach(async () => {
  await dockhand?.close();
  dockhand = undefined;
});
afterAll(async () => {
  await rm(stateRoot, { recursive: true, force: true });
});

async function prompt(base: string, id: string, token: string): Promise<void> {
  const terminal = await connectTerminal(await sessionSocketUrl(base, id, token, `/ws/sessions/${id}/terminal?window=1`));
  await terminal.waitFor(/learner@dockhand/, 30_000);
  await terminal.close();
}

describe('a flood from one address', () => {
  it('12 concurrent requests start the per-client bound of sandboxes; the rest get 429 with Retry-After', {
    timeout: 120_000,
  }, async () => {
    dockhand = await startDockhand(
      testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_SESSIONS_PER_CLIENT: '2', DOCKHAND_STATE_DIR: path.join(stateRoot, 'flood') }),
      () => {},
    );
    const base = dockhand.url;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      ),
    );
    const bodies = await Promise.all(
      answers.map(async (answer) => ({ status: answer.status, retry: answer.headers.get('retry-after'), body: await answer.json() })),
    );
    expect(bodies.filter((answer) => answer.status === 201).length).toBe(2);
    const refused = bodies.filter((answer) => answer.status !== 201);
    expect(refused.length).toBe(10);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(['too_many_sessions', 'rate_limited']).toContain(answer.body.code);
      expect(Number(answer.retry)).toBeGreaterThan(0);
      expect(answer.body.error).toMatch(
        /^(Your address already has 2 sandboxes|too many new sessions|your address already has 2 sandboxes)/,
      );
    }
    expect(dockhand.sessions.liveCount()).toBe(2);
    expect((await api(base, 'GET', '/api/health')).body).toMatchObject({ ok: true });
  });
});

describe('a full host', () => {
  it('with room for 5, 12 arrivals at once: 7 wait in line and each reaches a prompt, in order, as sandboxes free up', {
    timeout: 300_000,
  }, async () => {
    dockhand = await startDockhand(
      testConfig({
        DOCKHAND_POOL_SIZE: '0',
        DOCKHAND_MAX_SANDBOXES: '5',
        DOCKHAND_SESSIONS_PER_CLIENT: '100',
        DOCKHAND_SESSIONS_PER_MINUTE: '1000',
        DOCKHAND_STATE_DIR: path.join(stateRoot, 'line'),
      }),
      () => {},
    );
    const base = dockhand.url;
    const arrived = performance.now();
    const answers = await Promise.all(Array.from({ length: 12 }, () => api(base, 'POST', '/api/sessions', { body: {} })));
    const admitted = answers.filter((answer) => answer.status === 201).map((answer) => answer.body as { id: string; token: string });
    const queued = answers
      .filter((answer) => answer.status === 202)
      .map((answer) => answer.body as { id: string; token: string; state: string; position: number })
      .toSorted((a, b) => a.position - b.position);
    expect(admitted.length).toBe(5);
    expect(queued.map((entry) => [entry.state, entry.position])).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => ['queued', n]));
    // Operators see the line too.
    const metrics = await (await fetch(`${base}/api/metrics`, { headers: { authorization: `Bearer ${dockhand.adminToken}` } })).text();
    expect(metrics).toMatch(/^dockhand_queue_length 7$/m);
    expect(metrics).toMatch(/^dockhand_sandboxes_max 5$/m);
    // Waiting is visible: the session's state and its events socket both say the place.
    expect((await api(base, 'GET', `/api/sessions/${queued[2]?.id}`, { token: queued[2]?.token })).body).toEqual({
      id: queued[2]?.id,
      state: 'queued',
      position: 3,
    });
    const lines = await Promise.all(queued.map((entry) => openEvents(base, entry.id, entry.token)));
    expect(await lines[6]?.next((m) => m.type === 'queue')).toEqual({ type: 'queue', position: 7 });
    for (const entry of admitted) await prompt(base, entry.id, entry.token);

    // Sandboxes free up one at a time; the next in line gets each, and everyone behind moves up.
    const holders = [...admitted];
    const waits: number[] = [];
    for (const [i, entry] of queued.entries()) {
      const freed = holders.shift() as { id: string; token: string };
      expect((await api(base, 'DELETE', `/api/sessions/${freed.id}`, { token: freed.token })).status).toBe(200);
      await lines[i]?.next((m) => m.type === 'sandbox' && m.state === 'ready', 60_000);
      for (const later of queued.slice(i + 1)) expect(dockhand.sessions.live(later.id)).toBeUndefined();
      await prompt(base, entry.id, entry.token);
      waits.push(Math.round(performance.now() - arrived));
      holders.push(entry);
    }
    expect(lines[6]?.messages.filter((m) => m.type === 'queue').map((m) => m.position)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(dockhand.sessions.liveCount()).toBe(5);
    console.log(
      `waiting line: 12 arrivals, room for 5; prompts of those who waited at ${waits.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    );
    for (const socket of lines) socket.ws.close();
  });
});
