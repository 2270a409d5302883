// Learners against the real thing: a real engine, a real SQLite file, one Dockhand behind a "proxy"
// (127.0.0.1 is trusted, so each test speaks for its own client address through X-Forwarded-For).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatResumeCode } from '../../sandbox-server/protocol/learners.ts';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { labelFilter } from '../../sandbox-server/sandboxes/labels.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { newLearnerToken } from '../../sandbox-server/sessions/learners.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const engine = connectHostEngine();
const backend = testBackend();
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-learners-'));
const ADMIN = 'test-admin-token-0123456789';
const config = testConfig({
  DOCKHAND_POOL_SIZE: '0',
  DOCKHAND_STATE_DIR: stateDir,
  DOCKHAND_ADMIN_TOKEN: ADMIN,
  DOCKHAND_TRUSTED_PROXIES: '127.0.0.1',
  DOCKHAND_LEARNERS_PER_MINUTE: '10',
  DOCKHAND_RESUME_TRIES_PER_MINUTE: '10',
});
let dockhand: Dockhand;
let base: string;
let lesson: { slug: string; exercise: string };

type Answer = { status: number; body: Record<string, unknown>; headers: Headers };

/** A call from one client address (named through the trusted proxy header). */
async function call(client: string, method: string, route: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'x-forwarded-for': client };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (method !== 'GET') headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${route}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

async function newLearner(client: string): Promise<{ id: string; token: string }> {
  const made = await call(client, 'POST', '/api/learners');
  expect(made.status).toBe(201);
  return made.body as { id: string; token: string };
}

async function sandboxIds(): Promise<string[]> {
  const list = await engine.listContainers({ all: true, filters: labelFilter(config.instance, 'sandbox') });
  return list.map((container) => container.Labels['dockhand.sandbox'] as string);
}

type Session = { id: string; token: string; sandbox: { id: string } };

/** Runs the exercise's solution in the session's sandbox, then presses Check. */
async function solve(client: string, session: Session): Promise<void> {
  const route = `${lesson.slug}/${lesson.exercise}`;
  const solution = await call(client, 'GET', `/api/sessions/${session.id}/solutions/${route}`, { token: session.token });
  const solved = await runAsLearner(backend, { id: session.sandbox.id }, ['bash', '-c', `cd ~/workspace && ${solution.body.solve}`]);
  expect(solved.exitCode, solved.stderr).toBe(0);
  const checked = await call(client, 'POST', `/api/sessions/${session.id}/checks/${route}`, { token: session.token });
  expect(checked.body).toMatchObject({ passed: true });
}

beforeAll(async () => {
  dockhand = await startDockhand(config, () => {});
  base = dockhand.url;
  const lessons = (await call('setup', 'GET', '/api/lessons')).body as unknown as { slug: string; exercises: { id: string }[] }[];
  const first = lessons[0] as { slug: string; exercises: { id: string }[] };
  lesson = { slug: first.slug, exercise: first.exercises[0]?.id as string };
});

afterAll(async () => {
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a learner', () => {
  it('has one live session: two POSTs (at once, and again later) give one sandbox, the same id and token', async () => {
    const learner = await newLearner('10.0.0.1');
    expect(learner.token).toMatch(/^[0-9A-Z]{20}$/);
    const before = await sandboxIds();
    const body = { lesson: lesson.slug, learner: learner.token };
    const [a, b] = await Promise.all([
      call('10.0.0.1', 'POST', '/api/sessions', { body }),
      call('10.0.0.1', 'POST', '/api/sessions', { body }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
    expect(a.body.token).toBe(b.body.token);
    const later = await call('10.0.0.2', 'POST', '/api/sessions', { body: { learner: learner.token } });
    expect(later).toMatchObject({ status: 200, body: { id: a.body.id, token: a.body.token, state: 'active' } });
    const made = (await sandboxIds()).filter((id) => !before.includes(id));
    expect(made).toEqual([(a.body.sandbox as { id: string }).id]);
    const me = await call('10.0.0.1', 'GET', '/api/learners/me', { token: learner.token });
    expect(me.body).toMatchObject({ id: learner.id, session: { id: a.body.id, state: 'active' } });
    // The token the second POST got works like the first's.
    expect((await call('10.0.0.1', 'GET', `/api/sessions/${a.body.id}`, { token: b.body.token as string })).status).toBe(200);
    await call('10.0.0.1', 'DELETE', `/api/sessions/${a.body.id}`, { token: a.body.token as string });
  });

  it('keeps progress from an ended session, and shows it in the next one', async () => {
    const learner = await newLearner('10.0.1.1');
    const first = await call('10.0.1.1', 'POST', '/api/sessions', { body: { lesson: lesson.slug, learner: learner.token } });
    expect(first.status).toBe(201);
    await solve('10.0.1.1', first.body as unknown as Session);
    const ended = await call('10.0.1.1', 'DELETE', `/api/sessions/${first.body.id}`, { token: first.body.token as string });
    expect(ended.body).toMatchObject({ state: 'ended' });

    const key = `${lesson.slug}/${lesson.exercise}`;
    const me = await call('10.0.1.1', 'GET', '/api/learners/me', { token: learner.token });
    expect(me.body).toMatchObject({ session: null, progress: { exercises: { [key]: { passed: true, solutionRevealed: true } } } });
    const at = (me.body.progress as { exercises: Record<string, { at: string }> }).exercises[key]?.at as string;
    expect(Date.parse(at)).toBeGreaterThan(Date.now() - 120_000);

    const second = await call('10.0.1.1', 'POST', '/api/sessions', { body: { lesson: lesson.slug, learner: learner.token } });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    const progress = await call('10.0.1.1', 'GET', `/api/sessions/${second.body.id}/progress`, { token: second.body.token as string });
    expect(progress.body).toMatchObject({ exercises: { [key]: { passed: true, at } } });
    // The store behind it is a file: the learner is there after a restart too.
    await dockhand.close();
    dockhand = await startDockhand(config, () => {});
    base = dockhand.url;
    const again = await call('10.0.1.1', 'GET', '/api/learners/me', { token: learner.token });
    expect(again.body).toMatchObject({
      id: learner.id,
      session: { id: second.body.id },
      progress: { exercises: { [key]: { passed: true } } },
    });
    await call('10.0.1.1', 'DELETE', `/api/sessions/${second.body.id}`, { token: second.body.token as string });
  });

  it('after an idle timeout resumes on the kept disk (workspace file, built image, progress); "Start fresh" does not', async () => {
    const client = '10.0.7.1';
    const learner = await newLearner(client);
    const first = await call(client, 'POST', '/api/sessions', { body: { lesson: lesson.slug, learner: learner.token } });
    expect(first.body).toMatchObject({ resumed: false });
    await solve(client, first.body as unknown as Session);
    const made = await runAsLearner(backend, { id: (first.body as unknown as Session).sandbox.id }, [
      'bash',
      '-c',
      'cd ~/workspace && echo kept > notes.txt && printf "FROM busybox\\nRUN echo built > /built\\n" | docker build -q -t mine:v1 -',
    ]);
    expect(made.exitCode, made.stderr).toBe(0);
    await dockhand.sessions.sweep(Date.now() + config.timeouts.idleMs + 60_000);
    expect((await call(client, 'GET', `/api/sessions/${first.body.id}`, { token: first.body.token as string })).body).toMatchObject({
      state: 'ended',
      endCode: 'idle',
    });

    const second = await call(client, 'POST', '/api/sessions', { body: { lesson: lesson.slug, learner: learner.token } });
    expect(second).toMatchObject({ status: 201, body: { resumed: true } });
    const back = await runAsLearner(backend, { id: (second.body as unknown as Session).sandbox.id }, [
      'bash',
      '-c',
      'cat ~/workspace/notes.txt && docker run --rm mine:v1 cat /built',
    ]);
    expect(back).toMatchObject({ exitCode: 0, stdout: 'kept\nbuilt\n' });
    const key = `${lesson.slug}/${lesson.exercise}`;
    const progress = await call(client, 'GET', `/api/sessions/${second.body.id}/progress`, { token: second.body.token as string });
    expect(progress.body).toMatchObject({ exercises: { [key]: { passed: true } } });

    // Ending on purpose keeps the work only when asked; "Start fresh" then drops it.
    await call(client, 'DELETE', `/api/sessions/${second.body.id}?keep=work`, { token: second.body.token as string });
    const fresh = await call(client, 'POST', '/api/sessions', { body: { learner: learner.token, fresh: true } });
    expect(fresh).toMatchObject({ status: 201, body: { resumed: false } });
    const gone = await runAsLearner(backend, { id: (fresh.body as unknown as Session).sandbox.id }, [
      'bash',
      '-c',
      'ls ~/workspace/notes.txt',
    ]);
    expect(gone.exitCode).not.toBe(0);
    await call(client, 'DELETE', `/api/sessions/${fresh.body.id}`, { token: fresh.body.token as string });
    const after = await call(client, 'POST', '/api/sessions', { body: { learner: learner.token } });
    expect(after.body).toMatchObject({ resumed: false });
    await call(client, 'DELETE', `/api/sessions/${after.body.id}`, { token: after.body.token as string });
  });

  it('moves to another browser with the resume code, and gets the same live session there', async () => {
    const learner = await newLearner('10.0.2.1');
    const session = await call('10.0.2.1', 'POST', '/api/sessions', { body: { learner: learner.token } });
    const me = await call('10.0.2.1', 'GET', '/api/learners/me', { token: learner.token });
    const code = me.body.resumeCode as string;
    expect(code).toMatch(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/);
    // Typed on the other device: lower case, spaces instead of dashes.
    const typed = code.toLowerCase().replace(/-/g, ' ');
    const resumed = await call('10.0.2.2', 'POST', '/api/learners/resume', { body: { code: typed } });
    expect(resumed).toMatchObject({ status: 200, body: { id: learner.id, token: learner.token } });
    const there = await call('10.0.2.2', 'POST', '/api/sessions', { body: { learner: resumed.body.token } });
    expect(there).toMatchObject({ status: 200, body: { id: session.body.id } });
    await call('10.0.2.1', 'DELETE', `/api/sessions/${session.body.id}`, { token: session.body.token as string });
  });

  it('refuses wrong resume codes with one answer whether or not anyone has them, and rate-limits the guessing', async () => {
    const client = '10.0.3.1';
    const tries = [formatResumeCode(newLearnerToken()), 'not a code at all', newLearnerToken().toLowerCase()];
    const answers = [];
    for (const code of tries) answers.push(await call(client, 'POST', '/api/learners/resume', { body: { code } }));
    for (const answer of answers) expect(answer).toMatchObject({ status: 401, body: answers[0]?.body });
    expect(answers[0]?.body).toEqual({ error: expect.stringMatching(/resume code/), code: 'wrong_resume_code' });
    let limited: Answer | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const answer = await call(client, 'POST', '/api/learners/resume', { body: { code: formatResumeCode(newLearnerToken()) } });
      if (answer.status === 429) limited = answer;
    }
    expect(limited?.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even the right code waits now; another address is not held up.
    const other = await newLearner('10.0.3.2');
    const me = await call('10.0.3.2', 'GET', '/api/learners/me', { token: other.token });
    expect((await call(client, 'POST', '/api/learners/resume', { body: { code: me.body.resumeCode } })).status).toBe(429);
    expect((await call('10.0.3.3', 'POST', '/api/learners/resume', { body: { code: me.body.resumeCode } })).status).toBe(200);
    expect((await call('10.0.3.3', 'POST', '/api/learners/resume', { body: { code: 7 } })).status).toBe(400);
  });

  it('creation is rate-limited per address with Retry-After', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 8; i++) answers.push(await call('10.0.4.1', 'POST', '/api/learners'));
    const refused = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 201).length).toBe(5);
    expect(refused[0]?.body).toMatchObject({ code: 'rate_limited', error: expect.stringMatching(/learners/) });
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call('10.0.4.2', 'POST', '/api/learners')).status).toBe(201);
  });

  it('with a wrong or unknown token is refused with a code, and nothing starts', async () => {
    const before = await sandboxIds();
    const unknown = await call('10.0.5.1', 'POST', '/api/sessions', { body: { learner: newLearnerToken() } });
    expect(unknown).toMatchObject({ status: 401, body: { code: 'unknown_learner' } });
    expect((await call('10.0.5.1', 'POST', '/api/sessions', { body: { learner: '' } })).body).toMatchObject({ code: 'unknown_learner' });
    expect(await sandboxIds()).toEqual(before);
    expect((await call('10.0.5.1', 'GET', '/api/learners/me')).body).toMatchObject({ code: 'unknown_learner' });
    expect((await call('10.0.5.1', 'GET', '/api/learners/me', { token: 'nope' })).status).toBe(401);
  });
});

describe('a workshop participant', () => {
  it('rejoins after their sandbox ended and keeps their row; after the end keeps a read-only view', async () => {
    const client = '10.0.6.1';
    const made = await call(client, 'POST', '/api/workshops', { token: ADMIN, body: { title: 'Room 1', lessons: [lesson.slug] } });
    const code = made.body.code as string;
    const ada = await newLearner(client);
    const first = await call(client, 'POST', '/api/sessions', { body: { workshop: code, name: 'Ada', learner: ada.token } });
    expect(first.status).toBe(201);
    await solve(client, first.body as unknown as Session);
    const table = async () =>
      (await call(client, 'GET', `/api/workshops/${code}/progress`, { token: ADMIN })).body as unknown as {
        participants: { participantId: string; sessionId: string; name: string; state: string; passed: number }[];
      };
    const before = (await table()).participants;
    expect(before).toEqual([expect.objectContaining({ name: 'Ada', sessionId: first.body.id, state: 'active', passed: 1 })]);
    await call(client, 'DELETE', `/api/sessions/${first.body.id}`, { token: first.body.token as string });
    expect((await table()).participants[0]).toMatchObject({ state: 'ended', passed: 1 });

    // Someone else cannot take Ada's name; Ada herself comes back (here from another device, by her resume code).
    const bob = await newLearner(client);
    const taken = await call(client, 'POST', '/api/sessions', { body: { workshop: code, name: 'ada', learner: bob.token } });
    expect(taken).toMatchObject({ status: 409, body: { code: 'name_taken' } });
    const me = await call(client, 'GET', '/api/learners/me', { token: ada.token });
    const device = await call('10.0.6.2', 'POST', '/api/learners/resume', { body: { code: me.body.resumeCode } });
    const back = await call('10.0.6.2', 'POST', '/api/sessions', { body: { workshop: code, name: 'Ada', learner: device.body.token } });
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ workshop: code, name: 'Ada' });
    const after = (await table()).participants;
    expect(after).toEqual([
      expect.objectContaining({ participantId: before[0]?.participantId, sessionId: back.body.id, state: 'active', passed: 1 }),
    ]);
    const progress = await call(client, 'GET', `/api/sessions/${back.body.id}/progress`, { token: back.body.token as string });
    expect(progress.body).toMatchObject({ exercises: { [`${lesson.slug}/${lesson.exercise}`]: { passed: true } } });

    // The instructor ends the workshop: its sandboxes go, Ada keeps what she achieved, and cannot slip back in.
    expect((await call(client, 'POST', `/api/workshops/${code}/end`, { token: ADMIN })).body).toMatchObject({ reaped: 1 });
    expect(await sandboxIds()).not.toContain((back.body.sandbox as { id: string }).id);
    const view = await call(client, 'GET', '/api/learners/me', { token: ada.token });
    expect(view.body.workshops).toEqual([
      expect.objectContaining({
        code,
        title: 'Room 1',
        state: 'ended',
        name: 'Ada',
        participantId: before[0]?.participantId,
        exercises: expect.arrayContaining([expect.objectContaining({ lesson: lesson.slug, exercise: lesson.exercise, passed: true })]),
      }),
    ]);
    const late = await call(client, 'POST', '/api/sessions', { body: { workshop: code, name: 'Ada', learner: ada.token } });
    expect(late).toMatchObject({ status: 410, body: { code: 'workshop_ended' } });
  });
});
