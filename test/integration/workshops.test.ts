import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { labelFilter } from '../../sandbox-server/sandboxes/labels.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { zonedIso } from '../../sandbox-server/workshops/zoned-time.ts';
import { adminSocketUrl, api, type Created, createSession, openEvents, sessionSocketUrl } from '../../scripts/lib/api.ts';
import { connectTerminal } from '../../scripts/lib/terminal-client.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const engine = connectHostEngine();
const backend = testBackend();
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-workshops-'));
const ADMIN = 'test-admin-token-0123456789';
const config = testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: stateDir, DOCKHAND_ADMIN_TOKEN: ADMIN });
let dockhand: Dockhand;
let base: string;

type Progress = {
  exercises: { key: string }[];
  participants: { name: string; sessionId: string; exercises: Record<string, { passed: boolean; at?: string }> }[];
};

async function sandboxIds(): Promise<string[]> {
  const list = await engine.listContainers({ all: true, filters: labelFilter(config.instance, 'sandbox') });
  return list.map((container) => container.Labels['dockhand.sandbox'] as string);
}

/** The dashboard socket, keeping the latest snapshot. */
async function openDashboard(code: string) {
  const ws = new WebSocket(await adminSocketUrl(base, ADMIN, `/ws/workshops/${code}/dashboard`));
  let latest: Progress | undefined;
  const listeners = new Set<() => void>();
  ws.on('message', (data) => {
    latest = (JSON.parse(data.toString()) as { progress: Progress }).progress;
    for (const listener of listeners) listener();
  });
  return {
    ws,
    until(test: (progress: Progress) => boolean, timeoutMs = 30_000): Promise<Progress> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (latest && test(latest)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(latest);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`dashboard never showed the expected state; last: ${JSON.stringify(latest)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

beforeAll(async () => {
  dockhand = await startDockhand(config, () => {});
  base = dockhand.url;
});

afterAll(async () => {
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a workshop', () => {
  it('runs from creation to end: joins, live dashboard, read-only watching, broadcast, restart, CSV, end', async () => {
    expect((await api(base, 'POST', '/api/workshops', { body: { title: 'x' } })).status).toBe(401);
    expect((await api(base, 'POST', '/api/workshops', { token: 'wrong-token-wrong-token', body: { title: 'x' } })).status).toBe(401);
    expect((await api(base, 'POST', '/api/workshops', { token: ADMIN, body: { title: 'x', lessons: ['nope'] } })).status).toBe(400);

    const lesson = (await api(base, 'GET', '/api/lessons')).body as unknown as { slug: string; exercises: { id: string }[] }[];
    const first = lesson[0] as { slug: string; exercises: { id: string }[] };
    const created = await api(base, 'POST', '/api/workshops', {
      token: ADMIN,
      body: { title: 'Docker <b>101</b>', lessons: [first.slug], seats: 2, expected: 2 },
    });
    expect(created.status).toBe(201);
    const code = created.body.code as string;
    expect(code).toMatch(/^[A-HJKMNP-Z2-9]{6}$/);

    expect((await api(base, 'POST', '/api/sessions', { body: { workshop: 'ZZZZZZ', name: 'Ada' } })).status).toBe(404);
    expect((await api(base, 'POST', '/api/sessions', { body: { workshop: code } })).status).toBe(400);
    const ada = await createSession(base, { workshop: code.toLowerCase(), name: 'Ada' });
    expect(ada.workshopLessons).toEqual([first.slug]);
    expect((await api(base, 'POST', '/api/sessions', { body: { workshop: code, name: 'ada' } })).body.error).toMatch(/already taken/);
    const bob = await createSession(base, { workshop: code, name: '<script>bob</script>' });
    const full = await api(base, 'POST', '/api/sessions', { body: { workshop: code, name: 'Cy' } });
    expect(full).toMatchObject({ status: 409, body: { error: expect.stringMatching(/seats/) } });

    // Live dashboard: Ada solves the first exercise and the cell ticks.
    const dashboard = await openDashboard(code);
    await dashboard.until((p) => p.participants.length === 2);
    const exercise = first.exercises[0]?.id as string;
    const key = `${first.slug}/${exercise}`;
    // Opening the lesson on the page (its events socket) starts live checking; no Check button is pressed.
    const adaEvents = await openEvents(base, ada.id, ada.token, first.slug);
    await adaEvents.next((m) => m.type === 'sandbox');
    await solveFirstExercise(ada, first.slug, exercise);
    expect(await adaEvents.next((m) => m.type === 'exercise' && m.passed === true)).toMatchObject({ lesson: first.slug, exercise });
    const ticked = await dashboard.until((p) => p.participants.find((x) => x.name === 'Ada')?.exercises[key]?.passed === true);
    expect(ticked.participants.find((x) => x.sessionId === bob.id)?.exercises[key]?.passed).toBe(false);

    // The instructor watches Bob's terminal read-only: it sees output, its input is refused.
    const bobTerminal = await connectTerminal(await sessionSocketUrl(base, bob.id, bob.token, `/ws/sessions/${bob.id}/terminal?window=1`));
    await bobTerminal.waitFor(/workspace\S*\$ /);
    const watcher = await connectTerminal(
      await adminSocketUrl(base, ADMIN, `/ws/workshops/${code}/participants/${bob.id}/terminal?window=1`),
    );
    bobTerminal.send('echo visible-to-watcher\r');
    await watcher.waitFor(/visible-to-watcher/);
    watcher.send('touch /home/learner/workspace/from-watcher\r');
    expect(await watcher.nextError()).toMatch(/read-only/i);
    const probe = await runAsLearner(backend, { id: bob.sandbox.id }, ['test', '-e', '/home/learner/workspace/from-watcher']);
    expect(probe.exitCode).toBe(1);
    await watcher.close();
    await bobTerminal.close();
    const noAdmin = await api(base, 'GET', `/api/workshops/${code}/progress`);
    expect(noAdmin.status).toBe(401);

    // A broadcast reaches the participants' pages.
    const bobEvents = await openEvents(base, bob.id, bob.token);
    await bobEvents.next((m) => m.type === 'sandbox');
    const sent = await api(base, 'POST', `/api/workshops/${code}/broadcast`, { token: ADMIN, body: { message: 'Break in 5 minutes' } });
    expect(sent.body).toEqual({ delivered: 2 });
    expect(await bobEvents.next((m) => m.type === 'broadcast')).toMatchObject({ message: 'Break in 5 minutes' });
    dashboard.ws.close();
    bobEvents.ws.close();
    adaEvents.ws.close();

    // The server restarts mid-workshop: progress and sandboxes are still there.
    await dockhand.close();
    dockhand = await startDockhand(config, () => {});
    base = dockhand.url;
    const after = (await api(base, 'GET', `/api/workshops/${code}/progress`, { token: ADMIN })).body as unknown as Progress;
    expect(after.participants.find((x) => x.name === 'Ada')?.exercises[key]?.passed).toBe(true);
    expect(await sandboxIds()).toEqual(expect.arrayContaining([ada.sandbox.id, bob.sandbox.id]));
    expect((await api(base, 'GET', `/api/sessions/${bob.id}`, { token: bob.token })).body.state).toBe('active');

    // The CSV says what the dashboard says, with names as data (escaped, never run as formulas).
    const csv = await (await fetch(`${base}/api/workshops/${code}/progress.csv`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header?.split(',').slice(4)).toEqual(after.exercises.map((column) => column.key));
    const adaRow = rows.find((row) => row.startsWith('Ada,'));
    expect(adaRow).toContain(zonedIso(Date.parse(after.participants.find((x) => x.name === 'Ada')?.exercises[key]?.at as string), 'UTC'));
    expect(rows.some((row) => row.startsWith('<script>bob</script>,'))).toBe(true);

    // Ending the workshop reaps every sandbox and closes the door.
    const ended = await api(base, 'POST', `/api/workshops/${code}/end`, { token: ADMIN });
    expect(ended.body).toMatchObject({ state: 'ended', reaped: 2 });
    expect(await sandboxIds()).not.toEqual(expect.arrayContaining([ada.sandbox.id]));
    expect(await sandboxIds()).not.toContain(bob.sandbox.id);
    expect((await api(base, 'POST', '/api/sessions', { body: { workshop: code, name: 'Late' } })).status).toBe(410);
  });
});

/** Runs the exercise's own solve script in the participant's sandbox, as if they had typed it. */
async function solveFirstExercise(session: Created, lesson: string, exercise: string): Promise<void> {
  const solution = (await api(base, 'GET', `/api/sessions/${session.id}/solutions/${lesson}/${exercise}`, { token: session.token })).body;
  const solved = await runAsLearner(backend, { id: session.sandbox.id }, ['bash', '-c', `cd ~/workspace && ${solution.solve as string}`]);
  expect(solved.exitCode, solved.stderr).toBe(0);
}
