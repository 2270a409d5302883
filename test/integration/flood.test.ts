// One learner floods every path from their sandbox to the server at once: a command that prints without
// end, twenty checks asked for together, forty events sockets that never read while their engine
// churns, five hundred volumes and tags. Meanwhile a second learner types: their keystroke echo stays
// under 50 ms at the 95th percentile, and the server's memory grows by less than 200 MiB.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CHECKS_IN_FLIGHT } from '../../sandbox-server/checks/checker.ts';
import { EXEC_KEEP_BYTES } from '../../sandbox-server/sandboxes/exec.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api, type Created, createSession, sessionSocketUrl } from '../../scripts/lib/api.ts';
import { connectTerminal, measureKeystrokeEcho, percentile, type TerminalClient } from '../../scripts/lib/terminal-client.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-flood-'));
const config = testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: stateDir });
const MiB = 1024 ** 2;
const SOCKETS = 40;
// The server's own exec path (commands as the learner), on the sandbox the server started.
const backend = testBackend();

let dockhand: Dockhand;
let flooder: Created;
let quiet: Created;
let typist: TerminalClient;
const silent: WebSocket[] = [];

beforeAll(async () => {
  dockhand = await startDockhand(config, () => {});
  [flooder, quiet] = await Promise.all([createSession(dockhand.url), createSession(dockhand.url)]);
  typist = await connectTerminal(await sessionSocketUrl(dockhand.url, quiet.id, quiet.token, `/ws/sessions/${quiet.id}/terminal`));
  await typist.waitFor(/learner@dockhand/, 30_000);
});

afterAll(async () => {
  for (const socket of silent) socket.terminate();
  await typist?.close();
  await dockhand?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Runs a script as the flooding learner through the server's own exec path. */
function asFlooder(script: string, timeoutMs = 120_000) {
  return backend.exec(flooder.sandbox, ['bash', '-c', script], { timeoutMs });
}

/** An events socket that completes its handshake and then never reads again. */
async function silentEvents(lesson: string): Promise<WebSocket> {
  const url = await sessionSocketUrl(dockhand.url, flooder.id, flooder.token, `/ws/sessions/${flooder.id}/events?lesson=${lesson}`);
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('open', resolve));
  (socket as unknown as { _socket: { pause(): void } })._socket.pause();
  return socket;
}

describe('a learner who floods the server', () => {
  it("leaves another learner's terminal quick and the server's memory bounded", async () => {
    const lessons = (await api(dockhand.url, 'GET', '/api/lessons')).body as unknown as { slug: string; exercises: { id: string }[] }[];
    const lesson = lessons.find((candidate) => candidate.exercises.length > 0) as (typeof lessons)[number];
    const exercise = lesson.exercises[0]?.id as string;
    const rssBefore = process.memoryUsage().rss;

    // Many things in the engine, so that every snapshot is large; forty readers that never read.
    const made = await asFlooder(
      'docker pull -q busybox >/dev/null && for i in $(seq 500); do docker volume create "v$i"; docker tag busybox "t$i"; done >/dev/null',
    );
    expect(made.exitCode, made.stderr).toBe(0);
    for (let index = 0; index < SOCKETS; index++) silent.push(await silentEvents(lesson.slug));

    const flood = Promise.all([
      // The engine churns: every change is a new snapshot for each silent socket.
      asFlooder('for i in $(seq 60); do docker volume create "churn$i" >/dev/null; docker volume rm "churn$i" >/dev/null; done'),
      // A command that prints without end on both streams (a script check reading learner output).
      asFlooder('timeout 60 yes flood-flood-flood >&2 & timeout 60 yes out-out-out; wait'),
      // Twenty checks at once: a few run, the rest are told to wait.
      Promise.all(
        Array.from({ length: 20 }, () =>
          api(dockhand.url, 'POST', `/api/sessions/${flooder.id}/checks/${lesson.slug}/${exercise}`, { token: flooder.token }),
        ),
      ),
    ]);
    const echo = await measureKeystrokeEcho(typist, 100, 50);
    const [, printed, checks] = await flood;

    // The flood was held: its output kept to its first and last part, checks beyond the bound refused.
    expect(printed.stdout.length).toBeLessThan(2 * EXEC_KEEP_BYTES + 200);
    expect(printed.stdout.toString()).toMatch(/of output cut here by Dockhand/);
    expect(printed.stderr.length).toBeLessThan(2 * EXEC_KEEP_BYTES + 200);
    const refused = checks.filter((check) => check.status === 429);
    expect(checks.filter((check) => check.status === 200).length).toBeGreaterThanOrEqual(CHECKS_IN_FLIGHT);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.body).toMatchObject({ code: 'rate_limited' });

    const rssGrowth = process.memoryUsage().rss - rssBefore;
    console.log(
      `flood: quiet learner's echo p50 ${percentile(echo, 50).toFixed(1)} ms, p95 ${percentile(echo, 95).toFixed(1)} ms; server RSS +${Math.round(rssGrowth / MiB)} MiB`,
    );
    expect(percentile(echo, 95)).toBeLessThan(50);
    expect(rssGrowth).toBeLessThan(200 * MiB);
  });
});
