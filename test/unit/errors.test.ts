// One error vocabulary: a DockhandError's code says the status (and the phrase of a status line), a
// person gets its sentence, and anything else a handler throws is a 500 that says nothing of itself.
import { request, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ownedSession, requireSession, waitingSession } from '../../sandbox-server/api/auth.ts';
import { readBody } from '../../sandbox-server/api/body.ts';
import { DockhandError } from '../../sandbox-server/errors.ts';
import { createApp } from '../../sandbox-server/http/app.ts';
import { INTERNAL_ERROR, statusLine, statusOf } from '../../sandbox-server/http/errors.ts';
import { sendJson } from '../../sandbox-server/http/respond.ts';
import { createRouter } from '../../sandbox-server/http/router.ts';
import { createUpgradeRouter } from '../../sandbox-server/http/upgrade.ts';
import { ERROR_CODES } from '../../sandbox-server/protocol/errors.ts';
import { fakeSessions } from '../support/fake-sessions.ts';
import { listenLocally } from '../support/listen.ts';

const internal: unknown[] = [];
const router = createRouter()
  .add('GET', '/api/refused', async () => {
    throw new DockhandError('rate_limited', 'too many requests; try again in 3 s', 3);
  })
  .add('GET', '/api/bug', async () => {
    throw new Error('ENOENT: /var/lib/dockhand/secret.db');
  })
  .add('POST', '/api/body', async (req, res) => {
    const body = await readBody(req, z.strictObject({ name: z.string() }), { limitBytes: 32 });
    sendJson(res, 200, body);
  });
const upgrades = createUpgradeRouter((error) => internal.push(error))
  .add('/ws/refused', () => {
    throw new DockhandError('session_ended', 'this session has ended; start a new one');
  })
  .add('/ws/bug', () => {
    throw new Error('a stack trace with paths');
  });
let server: Server;
let base: string;

beforeAll(async () => {
  server = createApp({ router, upgrades, onInternalError: (error) => internal.push(error) });
  base = await listenLocally(server);
});
afterAll(() => server.close());

/** The raw status line and body an upgrade request gets back. */
function upgrade(path: string): Promise<{ statusLine: string; body: unknown }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('end', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ statusLine: head.split('\r\n')[0] ?? '', body: JSON.parse(body) });
    });
    socket.on('error', reject);
  });
}

describe('refusals over HTTP', () => {
  it('every error code maps to a 4xx or 5xx status with a standard phrase', () => {
    for (const code of ERROR_CODES) {
      expect(statusOf(code)).toBeGreaterThanOrEqual(400);
      expect(statusLine(statusOf(code))).not.toMatch(/Unknown$/);
    }
    expect(statusLine(410)).toBe('410 Gone');
    expect(statusLine(429)).toBe('429 Too Many Requests');
  });

  it('answers a DockhandError with its status, sentence, code and Retry-After', async () => {
    const res = await fetch(`${base}/api/refused`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ error: 'too many requests; try again in 3 s', code: 'rate_limited' });
  });

  it('answers anything else with a 500 sentence, the error itself only in the log', async () => {
    const res = await fetch(`${base}/api/bug`);
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ error: INTERNAL_ERROR, code: 'internal' });
    expect(JSON.stringify(body)).not.toContain('secret.db');
    expect(internal.at(-1)).toBeInstanceOf(Error);
  });

  it('refuses a body that is too large, not UTF-8 or not JSON with a sentence', async () => {
    const post = (body: Uint8Array | string) =>
      new Promise<{ status: number; body: { error: string; code: string } }>((resolve, reject) => {
        const req = request(`${base}/api/body`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
        });
        req.on('error', reject);
        req.end(body);
      });
    expect(await post('{"name":"a"}')).toEqual({ status: 200, body: { name: 'a' } });
    expect(await post(`{"name":"${'a'.repeat(40)}"}`)).toMatchObject({ status: 413, body: { code: 'too_large' } });
    expect(await post(new Uint8Array([0x7b, 0xff, 0x7d]))).toMatchObject({ status: 400, body: { error: /not UTF-8/ } });
    expect(await post('{name}')).toMatchObject({ status: 400, body: { error: /not valid JSON/ } });
    expect(await post('{"age":1}')).toMatchObject({ status: 400, body: { error: /unknown field "age"/ } });
  });

  it('writes an upgrade refusal as a status line with its phrase and the JSON sentence', async () => {
    expect(await upgrade('/ws/refused')).toEqual({
      statusLine: 'HTTP/1.1 410 Gone',
      body: { error: 'this session has ended; start a new one', code: 'session_ended' },
    });
    expect(await upgrade('/ws/nowhere')).toMatchObject({ statusLine: 'HTTP/1.1 404 Not Found', body: { code: 'not_found' } });
    const bug = await upgrade('/ws/bug');
    expect(bug).toEqual({ statusLine: 'HTTP/1.1 500 Internal Server Error', body: { error: INTERNAL_ERROR, code: 'internal' } });
  });
});

describe("a session's token, checked in one place", () => {
  const worlds: ReturnType<typeof fakeSessions>[] = [];
  afterEach(() => {
    for (const world of worlds.splice(0)) world.store.close();
  });
  const codeOf = (call: () => unknown) => {
    try {
      call();
      return 'ok';
    } catch (error) {
      expect(error).toBeInstanceOf(DockhandError);
      return (error as DockhandError).code;
    }
  };
  const noInput = { lesson: null, workshop: null, name: null, learner: null, participant: null };

  it('tells a wrong token, an unknown id and an ended session apart by code', async () => {
    const world = fakeSessions();
    worlds.push(world);
    const { session, token } = await world.sessions.create(noInput);
    const id = session.record.id;
    expect(requireSession(world.sessions, id, token)).toBe(session);
    expect(codeOf(() => requireSession(world.sessions, id, 'wrong'))).toBe('unauthorized');
    expect(codeOf(() => requireSession(world.sessions, id, undefined))).toBe('unauthorized');
    expect(codeOf(() => requireSession(world.sessions, 'nope', token))).toBe('not_found');
    await world.sessions.end(id, 'learner');
    expect(codeOf(() => requireSession(world.sessions, id, token))).toBe('session_ended');
    expect(() => requireSession(world.sessions, id, token)).toThrow(/ended \(.+\); start a new one/);
    // An ended session's record stays readable with its token, and only with it.
    expect(ownedSession(world.sessions, id, token).id).toBe(id);
    expect(codeOf(() => ownedSession(world.sessions, id, 'wrong'))).toBe('unauthorized');
  });

  it('refuses a waiting session with the wrong token in the same words', () => {
    const lobby = { waiting: (_id: string, token: string | undefined) => (token === 'right' ? { position: 2 } : ('wrong_token' as const)) };
    expect(waitingSession(lobby, 'q1', 'right')).toEqual({ position: 2 });
    expect(() => waitingSession(lobby, 'q1', 'wrong')).toThrow('missing or wrong session token');
    expect(waitingSession(undefined, 'q1', 'right')).toBeUndefined();
  });
});
