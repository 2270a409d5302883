// Admission against a real Dockhand: a flood of session requests from one address, a full host whose
// newcomers wait in line and all reach a prompt, in order, as sandboxes free up, and the ways around
// admission that are closed: other sites' pages, IPv6 addresses of one network, guessed join codes and
// learner tokens, participants made without a place, kept disks over the cap.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api, openEvents, sessionSocketUrl } from '../../scripts/lib/api.ts';
import { connectTerminal } from '../../scripts/lib/terminal-client.ts';
import { testConfig } from '../support/env.ts';

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

describe('the ways around admission', () => {
  /** Calls as a client behind the trusted proxy (127.0.0.1 is one here). */
  const as = (
    client: string,
    method: string,
    route: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${dockhand?.url}${route}`, {
      method,
      headers: {
        'x-forwarded-for': client,
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }));

  it('each closed against the real server, with one sandbox at most', { timeout: 300_000 }, async () => {
    dockhand = await startDockhand(
      testConfig({
        DOCKHAND_POOL_SIZE: '0',
        DOCKHAND_MAX_SANDBOXES: '1',
        DOCKHAND_SESSIONS_PER_CLIENT: '2',
        DOCKHAND_SESSIONS_PER_MINUTE: '1',
        DOCKHAND_JOIN_TRIES_PER_MINUTE: '1',
        DOCKHAND_RESUME_TRIES_PER_MINUTE: '1',
        DOCKHAND_KEPT_DISKS_MAX: '16m',
        DOCKHAND_TRUSTED_PROXIES: '127.0.0.1',
        DOCKHAND_STATE_DIR: path.join(stateRoot, 'around'),
      }),
      () => {},
    );
    const running = dockhand;
    const base = running.url;

    // Another site's page: a no-cors fetch or a form sends text/plain or form bodies, and a foreign Origin.
    const bodyTypes: Record<string, string>[] = [
      { 'content-type': 'text/plain;charset=UTF-8' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      {},
    ];
    for (const headers of bodyTypes) {
      const made = await fetch(`${base}/api/sessions`, { method: 'POST', headers, body: '{}' });
      expect(made.status).toBe(415);
      expect(await made.json()).toMatchObject({ code: 'json_required' });
    }
    const foreign = await as('198.51.100.1', 'POST', '/api/sessions', { body: {}, headers: { origin: 'http://evil.example' } });
    expect(foreign).toMatchObject({ status: 403, body: { code: 'foreign_origin' } });
    expect(running.sessions.liveCount()).toBe(0);
    expect((await api(base, 'GET', '/api/health')).body).toEqual({ ok: true, problems: [] });

    // IPv6 addresses of one /64 are one client: the third is over the bound of 2 (one live, one in line).
    const learner = (await as('2001:db8:0:1::1', 'POST', '/api/learners')).body as { id: string; token: string };
    const v6 = [
      await as('2001:db8:0:1::1', 'POST', '/api/sessions', { body: { learner: learner.token } }),
      await as('2001:db8:0:1::a:2', 'POST', '/api/sessions', { body: {} }),
      await as('2001:db8:0:1:ffff::3', 'POST', '/api/sessions', { body: {} }),
    ];
    expect(v6.map((answer) => answer.status)).toEqual([201, 202, 429]);
    expect(v6[2]?.body).toMatchObject({ code: 'too_many_sessions' });
    expect((await as('2001:db8:0:2::1', 'POST', '/api/sessions', { body: {} })).status).toBe(202);

    // Join codes: wrong ones count, and once used up even the right code is refused before any lookup.
    const workshop = (await api(base, 'POST', '/api/workshops', { token: running.adminToken, body: { title: 'Around', seats: null } }))
      .body as {
      code: string;
    };
    for (let i = 0; i < 5; i++)
      expect((await as('198.51.100.7', 'POST', '/api/sessions', { body: { workshop: 'ZZZZZZ', name: `g${i}` } })).status).toBe(404);
    expect(await as('198.51.100.7', 'POST', '/api/sessions', { body: { workshop: workshop.code, name: 'guesser' } })).toMatchObject({
      status: 429,
      body: { code: 'rate_limited' },
    });

    // A participant row only with a place: five joins from one room get places in line, the sixth is
    // refused by the session rate, and its name stays free for someone else.
    const room = await Promise.all(
      ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((name) =>
        as('198.51.100.20', 'POST', '/api/sessions', { body: { workshop: workshop.code, name } }),
      ),
    );
    expect(room.map((answer) => answer.status).toSorted()).toEqual([202, 202, 202, 202, 202, 429]);
    const refusedName = `p${room.findIndex((answer) => answer.status === 429) + 1}`;
    expect((await as('198.51.100.21', 'POST', '/api/sessions', { body: { workshop: workshop.code, name: refusedName } })).status).toBe(202);
    expect((await as('198.51.100.22', 'POST', '/api/sessions', { body: { workshop: workshop.code, name: 'p1' } })).body).toMatchObject({
      code: 'name_taken',
    });

    // Learner tokens: wrong ones count against the resume tries, then the right one is refused too.
    for (let i = 0; i < 5; i++)
      expect((await as('198.51.100.9', 'GET', '/api/learners/me', { token: `WRONG${i}` })).body).toMatchObject({ code: 'unknown_learner' });
    expect((await as('198.51.100.9', 'GET', '/api/learners/me', { token: learner.token })).body).toMatchObject({ code: 'rate_limited' });
    expect((await as('198.51.100.10', 'GET', '/api/learners/me', { token: learner.token })).status).toBe(200);

    // joinUrl follows the scheme the instructor used, as the trusted proxy says it.
    const proxied = await as('198.51.100.30', 'GET', `/api/workshops/${workshop.code}`, {
      token: running.adminToken,
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(proxied.body.joinUrl).toMatch(/^https:\/\//);
    expect((await api(base, 'GET', `/api/workshops/${workshop.code}`, { token: running.adminToken })).body.joinUrl).toMatch(/^http:\/\//);

    // Kept work over the cap (16 MiB here): refused and told, never evicting.
    const live = v6[0]?.body as { id: string; token: string };
    const terminal = await connectTerminal(await sessionSocketUrl(base, live.id, live.token, `/ws/sessions/${live.id}/terminal?window=1`));
    await terminal.waitFor(/learner@dockhand/, 30_000);
    terminal.send('head -c 20000000 /dev/urandom > ~/big && sync && echo WRITTEN\r');
    await terminal.waitFor(/^WRITTEN/m, 30_000);
    await terminal.close();
    const ended = await api(base, 'DELETE', `/api/sessions/${live.id}?keep=work`, { token: live.token });
    expect(ended).toMatchObject({ status: 200, body: { state: 'ended', workKept: false } });
  });
});
