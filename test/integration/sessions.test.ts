import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import { labelFilter } from '../../sandbox-server/sandboxes/labels.ts';
import { startSandbox } from '../../sandbox-server/sandboxes/sandbox.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api, createSession, openEvents, sessionSocketUrl, upgradeStatus } from '../../scripts/lib/api.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const engine = connectHostEngine();
const backend = testBackend();
const quiet = () => {};
const stateRoot = mkdtempSync(path.join(os.tmpdir(), 'dockhand-sessions-'));
const stateDir = (name: string) => path.join(stateRoot, name);
let dockhand: Dockhand;
let base: string;
let closed = false;

async function sandboxContainers(): Promise<string[]> {
  const list = await engine.listContainers({ all: true, filters: labelFilter(testConfig().instance, 'sandbox') });
  return list.map((container) => container.Labels['dockhand.sandbox'] as string);
}

const SOON = { timeout: 20_000, interval: 100 };

beforeAll(async () => {
  dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir('sessions') }), quiet);
  base = dockhand.url;
  await vi.waitFor(() => expect(dockhand.pool.stats().ready).toBe(1), SOON);
});

afterAll(async () => {
  if (!closed) await dockhand?.close();
  rmSync(stateRoot, { recursive: true, force: true });
});

describe('POST /api/sessions', () => {
  it('hands out a warm sandbox with an id and a token, and refills the pool', async () => {
    const created = await createSession(base, { lesson: 'hello-world', name: 'Ada' });
    expect(created).toMatchObject({ warm: true, state: 'active', lesson: 'hello-world', name: 'Ada' });
    expect(created.id).toMatch(/^[\w-]{8,}$/);
    expect(created.token.length).toBeGreaterThanOrEqual(32);
    expect(await sandboxContainers()).toContain(created.sandbox.id);
    await vi.waitFor(() => expect(dockhand.pool.stats().ready).toBe(1), SOON);
  });

  it.each([
    ['malformed JSON', '{"lesson":', 400, /not valid JSON/],
    ['an array', '[]', 400, /JSON object/],
    ['an unknown field', '{"lessons":"x"}', 400, /unknown field "lessons"/],
    ['a field of the wrong type', '{"lesson":42}', 400, /lesson must be a string/],
    ['a bad slug', '{"lesson":"../etc"}', 400, /lesson slug/],
    ['an unknown workshop', '{"workshop":"ABCD"}', 404, /no workshop with the code "ABCD"/],
    ['a name with control characters', '{"name":"a\\u0007b"}', 400, /no control, invisible or text-direction characters/],
    ['a name with a text-direction override', '{"name":"Ada\\u202egnp.exe"}', 400, /no control, invisible or text-direction characters/],
    ['an oversized body', JSON.stringify({ name: 'x'.repeat(20_000) }), 413, /larger than/],
  ])('refuses %s with a JSON error and starts nothing', async (_what, raw, status, message) => {
    const before = (await sandboxContainers()).length;
    const response = await api(base, 'POST', '/api/sessions', { raw });
    expect(response.status).toBe(status);
    expect(response.body.error).toMatch(message);
    expect((await sandboxContainers()).length).toBe(before);
  });
});

describe('session access', () => {
  it('needs the right token: 401 without or with a wrong one, 404 for an unknown id', async () => {
    const created = await createSession(base);
    expect((await api(base, 'GET', `/api/sessions/${created.id}`, { token: created.token })).status).toBe(200);
    expect((await api(base, 'GET', `/api/sessions/${created.id}`)).status).toBe(401);
    expect((await api(base, 'GET', `/api/sessions/${created.id}`, { token: 'nope' })).status).toBe(401);
    expect((await api(base, 'DELETE', `/api/sessions/${created.id}`, { token: 'nope' })).status).toBe(401);
    expect((await api(base, 'GET', '/api/sessions/doesnotexist', { token: created.token })).status).toBe(404);
    expect(await sandboxContainers()).toContain(created.sandbox.id);
    const events = `${base.replace('http', 'ws')}/ws/sessions/${created.id}/events`;
    expect(await upgradeStatus(`${events}?ticket=made-up`)).toBe(401);
    expect(await upgradeStatus(events)).toBe(401);
    // The token itself never opens a socket: only a ticket does, once.
    expect(await upgradeStatus(`${events}?token=${created.token}`)).toBe(401);
    expect((await api(base, 'POST', `/api/sessions/${created.id}/tickets`, { token: 'nope' })).status).toBe(401);
    const withTicket = await sessionSocketUrl(base, created.id, created.token, `/ws/sessions/${created.id}/events`);
    expect(await upgradeStatus(withTicket)).toBe(101);
    expect(await upgradeStatus(withTicket)).toBe(401);
  });

  it('DELETE ends the session, reaps its sandbox and tells the events socket', async () => {
    const created = await createSession(base);
    const events = await openEvents(base, created.id, created.token);
    await events.next((m) => m.type === 'sandbox' && m.state === 'ready');
    const early = await sessionSocketUrl(base, created.id, created.token, `/ws/sessions/${created.id}/events`);
    const deleted = await api(base, 'DELETE', `/api/sessions/${created.id}`, { token: created.token });
    expect(deleted).toMatchObject({ status: 200, body: { state: 'ended', endReason: 'ended by the learner' } });
    expect(await events.next((m) => m.type === 'sandbox' && m.state === 'ended')).toMatchObject({ reason: 'ended by the learner' });
    expect(await sandboxContainers()).not.toContain(created.sandbox.id);
    expect((await api(base, 'GET', `/api/sessions/${created.id}`, { token: created.token })).body).toMatchObject({ state: 'ended' });
    expect(await upgradeStatus(early)).toBe(410);
    expect((await api(base, 'POST', `/api/sessions/${created.id}/tickets`, { token: created.token })).status).toBe(410);
  });
});

/** A second server with short timeouts and a fast sweep, and no pool. */
function startWithTimeouts(name: string, timeouts: NodeJS.ProcessEnv): Promise<Dockhand> {
  return startDockhand(
    testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: stateDir(name), DOCKHAND_SWEEP_INTERVAL: '100ms', ...timeouts }),
    quiet,
  );
}

describe('timeouts', () => {
  it('warns, then reaps a session idle for too long; activity postpones it', async () => {
    const short = await startWithTimeouts('idle', { DOCKHAND_IDLE_TIMEOUT: '3s', DOCKHAND_TIMEOUT_WARNING: '2s' });
    try {
      const created = await createSession(short.url);
      const events = await openEvents(short.url, created.id, created.token);
      const warning = await events.next((m) => m.type === 'warning');
      expect(warning).toMatchObject({ reason: 'idle' });
      expect(String(warning.message)).toMatch(/removed in \d+ s/);
      const ended = await events.next((m) => m.type === 'sandbox' && m.state === 'ended');
      expect(ended.reason).toBe('idle timeout');
      await expect.poll(sandboxContainers, SOON).not.toContain(created.sandbox.id);

      // Acting (here: listing files) keeps a session alive; polling its state does not.
      // The one kept active is created last, so a slow cold start cannot use up its idle time.
      const polled = await createSession(short.url);
      const active = await createSession(short.url);
      const stateOf = async (session: { id: string; token: string }) =>
        (await api(short.url, 'GET', `/api/sessions/${session.id}`, { token: session.token })).body.state;
      // Until the idle timeout has reaped the one only polled, the other is acted on, again and again.
      await expect
        .poll(
          async () => {
            expect((await api(short.url, 'GET', `/api/sessions/${active.id}/files`, { token: active.token })).status).toBe(200);
            await api(short.url, 'GET', `/api/sessions/${polled.id}/ports`, { token: polled.token });
            return stateOf(polled);
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe('ended');
      expect(await stateOf(active)).toBe('active');
    } finally {
      await short.close();
    }
  });

  it('reaps a session at its maximum lifetime even while it is busy', async () => {
    const short = await startWithTimeouts('lifetime', { DOCKHAND_MAX_LIFETIME: '3s', DOCKHAND_TIMEOUT_WARNING: '1s' });
    try {
      const created = await createSession(short.url);
      const events = await openEvents(short.url, created.id, created.token);
      const keepBusy = setInterval(() => void api(short.url, 'GET', `/api/sessions/${created.id}`, { token: created.token }), 200);
      try {
        expect(await events.next((m) => m.type === 'warning')).toMatchObject({ reason: 'lifetime' });
        expect(await events.next((m) => m.type === 'sandbox' && m.state === 'ended')).toMatchObject({ reason: 'maximum lifetime reached' });
      } finally {
        clearInterval(keepBusy);
      }
      await expect.poll(sandboxContainers, SOON).not.toContain(created.sandbox.id);
    } finally {
      await short.close();
    }
  });
});

describe('a server restart', () => {
  it('re-adopts live sessions with their sandboxes and work, and reaps orphans and pool leftovers', async () => {
    // The servers here share the suite's instance: the first one's own pool would count (and, reaped as an
    // orphan by the restarted server, be replaced by it), so it stops first.
    await dockhand.close();
    closed = true;
    const config = testConfig({ DOCKHAND_POOL_SIZE: '1', DOCKHAND_STATE_DIR: stateDir('restart') });
    let first: Dockhand | undefined = await startDockhand(config, quiet);
    let second: Dockhand | undefined;
    try {
      const created = await createSession(first.url);
      const sandbox = { id: created.sandbox.id };
      const work = await runAsLearner(backend, sandbox, [
        'sh',
        '-c',
        'echo kept > ~/workspace/note && docker run -d --name keeper busybox sleep 600',
      ]);
      expect(work.exitCode, work.stderr).toBe(0);
      await expect.poll(() => first?.pool.stats().ready, SOON).toBe(1);
      await first.close();
      first = undefined;
      // Closing removed the unclaimed pool sandbox but kept the learner's.
      expect(await sandboxContainers()).toEqual([created.sandbox.id]);
      // A sandbox no session owns (as after a crash mid-claim) must be reaped by the next start.
      const host = inject('sandboxHost');
      const orphan = await startSandbox(engine, sandboxOptions(config, host));

      second = await startDockhand(config, quiet);
      const after = await api(second.url, 'GET', `/api/sessions/${created.id}`, { token: created.token });
      expect(after.body).toMatchObject({ state: 'active', sandbox: { id: created.sandbox.id } });
      const still = await runAsLearner(backend, sandbox, ['sh', '-c', 'cat ~/workspace/note && docker ps --format "{{.Names}}"']);
      expect(still.stdout).toBe('kept\nkeeper\n');
      expect(await sandboxContainers()).not.toContain(orphan.id);
    } finally {
      await first?.close();
      await second?.close();
    }
  });
});
