// The whole server on the fake backend: startDockhand given another BackendHost serves the API over real
// HTTP with a real SQLite store, and sandboxes come and go in the fake. Nothing outside sandboxes/ changes
// to run it, which is what issue 24 asks of the backend boundary (backend-boundary.test.ts holds the imports).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBackendHost } from '../support/fake-backend.ts';
import { type FakeDockhand, startFakeDockhand } from '../support/fake-dockhand.ts';

let fake: FakeDockhand;

beforeAll(async () => {
  // A warm pool of one: claiming from it proves the fake sandbox alive through the backend first.
  fake = await startFakeDockhand({ DOCKHAND_POOL_SIZE: '1' });
});

afterAll(async () => {
  await fake?.close();
});

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}, server = fake) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${server.dockhand.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The first message the socket sends, parsed. */
function firstMessage(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.onmessage = (message) => {
      resolve(JSON.parse(String(message.data)));
      socket.close();
    };
    socket.onerror = () => reject(new Error(`${url} could not be opened`));
  });
}

describe('the server on the fake backend', () => {
  it('reports the fake backend as its own in health', async () => {
    const health = await call('GET', '/api/health', { token: fake.dockhand.adminToken });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, backend: { kind: 'fake' } });
  });

  it('starts a session on a fake sandbox, opens its events socket with a ticket, and removes the sandbox at its end', async () => {
    const { backend } = fake.host;
    await expect.poll(() => fake.dockhand.pool.stats().ready).toBe(1);
    const created = await call('POST', '/api/sessions', { body: { lesson: 'own-course' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'active', lesson: 'own-course', warm: true });
    expect(fake.dockhand.pool.stats().dead).toBe(0);
    const { id, token } = created.body as { id: string; token: string };
    const sandbox = (created.body.sandbox as { id: string }).id;
    expect(backend.live.has(sandbox)).toBe(true);
    // The lesson's starter file was copied into the sandbox through the backend's exec.
    await expect.poll(() => backend.commands.some((command) => command.sandbox === sandbox)).toBe(true);

    const ticket = await call('POST', `/api/sessions/${id}/tickets`, { token, body: { purpose: 'events' } });
    expect(ticket.status).toBe(201);
    const socketUrl = `${fake.dockhand.url.replace('http:', 'ws:')}/ws/sessions/${id}/events?ticket=${ticket.body.ticket}`;
    expect(await firstMessage(socketUrl)).toEqual({ type: 'sandbox', state: 'ready' });

    const ended = await call('DELETE', `/api/sessions/${id}`, { token });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ state: 'ended', endCode: 'learner' });
    expect(backend.live.has(sandbox)).toBe(false);
    expect((await call('GET', `/api/sessions/${id}`, { token })).body).toMatchObject({ state: 'ended' });
  });

  it('refuses sessions while its host checks report a problem, and starts them once the host is fixed', async () => {
    const host = fakeBackendHost();
    host.rows = [{ check: 'fake', status: 'problem', blocksSandboxes: true, message: 'The fake host is off.', fix: 'switch it on' }];
    const unfit = await startFakeDockhand({ DOCKHAND_SWEEP_INTERVAL: '100ms' }, host);
    try {
      expect((await call('GET', '/api/health', {}, unfit)).status).toBe(503);
      const refused = await call('POST', '/api/sessions', { body: {} }, unfit);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'host_problem' });
      expect(refused.body.error).toMatch(/The fake host is off/);
      expect(host.backend.live.size).toBe(0);
      // While a problem stands the host is checked at every sweep: the fix is noticed without a restart.
      host.rows = [];
      await expect.poll(async () => (await call('POST', '/api/sessions', { body: {} }, unfit)).status).toBe(201);
    } finally {
      await unfit.close();
    }
  });

  it("asks the backend for the course's images, first lesson first, and tells a lesson page whether its images run yet", async () => {
    expect(fake.host.plan).toEqual({ first: ['busybox:latest'], later: [] });
    fake.host.imageStates.set('busybox:latest', { state: 'preparing' });
    const preparing = await call('GET', '/api/lessons/own-course/images');
    expect(preparing).toMatchObject({ status: 200, body: { state: 'preparing', images: ['busybox:latest'] } });
    expect(preparing.body.message).toMatch(/^This lesson's image \(busybox\) is still being prepared on the server/);
    fake.host.imageStates.set('busybox:latest', { state: 'failed', reason: 'the build of busybox failed' });
    expect(await call('GET', '/api/lessons/own-course/images')).toMatchObject({ body: { state: 'failed', images: ['busybox:latest'] } });
    fake.host.imageStates.delete('busybox:latest');
    expect(await call('GET', '/api/lessons/own-course/images')).toEqual({ status: 200, body: { state: 'ready' } });
    expect((await call('GET', '/api/lessons/no-such-lesson/images')).status).toBe(404);
  });

  it('lets a room of 40 behind one address join at the default rates, and counts unknown codes as wrong tries', async () => {
    const room = await startFakeDockhand({
      DOCKHAND_SESSIONS_PER_CLIENT: '2',
      DOCKHAND_SESSIONS_PER_MINUTE: '20',
      DOCKHAND_LEARNERS_PER_MINUTE: '20',
      DOCKHAND_MAX_SANDBOXES: '60',
    });
    try {
      const now = Date.now();
      const body = { title: 'Room', startsAt: new Date(now).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), seats: 40 };
      const workshop = await call('POST', '/api/workshops', { token: room.dockhand.adminToken, body }, room);
      expect(workshop.status).toBe(201);
      const code = workshop.body.code as string;
      const joins = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const learner = await call('POST', '/api/learners', { body: { workshop: code.toLowerCase() } }, room);
          expect(learner.status, JSON.stringify(learner.body)).toBe(201);
          return call('POST', '/api/sessions', { body: { workshop: code, name: `Person ${i}`, learner: learner.body.token } }, room);
        }),
      );
      expect(joins.map((join) => join.status).filter((status) => status !== 201)).toEqual([]);
      // The address's own allowance was not spent by the room.
      expect((await call('POST', '/api/learners', {}, room)).status).toBe(201);
      expect((await call('POST', '/api/sessions', { body: {} }, room)).status).toBe(201);
      // A code that opens nothing makes a learner as the address would, and counts as a wrong try of a code.
      for (let i = 0; i < 5; i++) expect((await call('POST', '/api/learners', { body: { workshop: 'ZZZZZZ' } }, room)).status).toBe(201);
      const refused = await call('POST', '/api/sessions', { body: { workshop: code, name: 'Late' } }, room);
      expect(refused).toMatchObject({ status: 429, body: { code: 'rate_limited', error: expect.stringMatching(/wrong workshop codes/) } });
    } finally {
      await room.close();
    }
  });
});
