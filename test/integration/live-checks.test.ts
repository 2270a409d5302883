// The live checker against a real inner engine: behaviour, not speed (the bench measures that). A window
// far longer than the test shows that a result came from the first event, not from the window's end.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createChecker } from '../../sandbox-server/checks/checker.ts';
import type { Exercise, Lesson } from '../../sandbox-server/course/types.ts';
import type { SessionEvent } from '../../sandbox-server/protocol/events.ts';
import { watchEngine } from '../../sandbox-server/sandboxes/events.ts';
import { type BusEvent, createEventBus } from '../../sandbox-server/sessions/events.ts';
import type { LiveSession } from '../../sandbox-server/sessions/sessions.ts';
import { openStore, type Store } from '../../sandbox-server/store/store.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const SOON = { timeout: 20_000, interval: 50 };
const LONG_WINDOW_MS = 10 * 60_000;
const stateRoot = mkdtempSync(path.join(os.tmpdir(), 'dockhand-live-checks-'));
let sandbox: TestSandbox;
let store: Store;

const exercise = (id: string, name: string): Exercise => ({
  id,
  title: id,
  task: '',
  checks: [{ kind: 'container', name, image: 'busybox' }],
  hints: [],
  solution: '',
  solve: '',
  wrong: [],
  line: 1,
});

const lesson: Lesson = {
  slug: 'live',
  title: 'Live',
  order: 1,
  summary: '',
  minutes: 1,
  images: [],
  starter: [],
  file: 'live.md',
  body: '',
  exercises: [exercise('first', 'first'), exercise('second', 'second')],
  codeBlocks: [],
} as Lesson;

async function sh(script: string): Promise<void> {
  const result = await sandbox.sh(script);
  expect(result.exitCode, `${script}\n${result.stderr}`).toBe(0);
}

/** A checker following the test sandbox for `lesson`, and every exercise result it pushes. */
function follow(id: string, windowMs: number) {
  const events = createEventBus();
  const results: Extract<SessionEvent, { type: 'exercise' }>[] = [];
  const workshop: BusEvent[] = [];
  events.subscribe(id, (event) => event.type === 'exercise' && results.push(event));
  events.subscribe('workshop:ROOM', (event) => workshop.push(event));
  let evaluations = 0;
  const checker = createChecker({ store, events, sandboxes: sandbox.backend, windowMs, onEvaluated: () => evaluations++ });
  const record = store.createSession({
    id,
    tokenHash: 'x',
    lesson: lesson.slug,
    workshop: 'ROOM',
    name: id,
    learner: null,
    participant: null,
    createdAt: Date.now(),
  });
  const session: LiveSession = { record, sandbox: sandbox.sandbox, lastActivity: Date.now(), warned: new Set() };
  checker.watch(session, lesson);
  return { checker, results, workshop, evaluations: () => evaluations };
}

const passed = (results: { exercise: string; passed: boolean }[], id: string) => results.some((r) => r.exercise === id && r.passed);

beforeAll(async () => {
  sandbox = await startTestSandbox();
  // A pull is an event of its own: with the image there, a `docker create` reports only its create.
  await sh('docker pull -q busybox');
  store = openStore(path.join(stateRoot, 'dockhand.db'));
});

afterAll(async () => {
  store?.close();
  await sandbox?.destroy();
  rmSync(stateRoot, { recursive: true, force: true });
});

describe('live checks', () => {
  it('evaluate at the first engine event, and the end of the window catches a change made during it', async () => {
    const live = follow('leading', LONG_WINDOW_MS);
    await vi.waitFor(() => expect(live.evaluations()).toBe(1), SOON);
    expect(live.results.map((r) => r.passed)).toEqual([false, false]);

    // The window of ten minutes has not ended, so only the first event can have brought this.
    await sh('docker create --name first busybox true');
    await vi.waitFor(() => expect(passed(live.results, 'first')).toBe(true), SOON);
    // Only passes go to the dashboard: failures that merely change their sentence do not redraw it.
    expect(live.workshop).toEqual([{ type: 'progress', sessionId: 'leading', lesson: 'live', exercise: 'first', passed: true }]);
    live.checker.close();
  });

  it('a change inside the window is evaluated when the window ends', async () => {
    await sh('docker rm -f first second || true');
    const live = follow('trailing', 3000);
    await vi.waitFor(() => expect(live.evaluations()).toBe(1), SOON);
    // Both in one command: the first event starts a window, the second container comes within it.
    await sh('docker create --name first busybox true >/dev/null && docker create --name second busybox true');
    await vi.waitFor(() => expect(passed(live.results, 'second')).toBe(true), SOON);
    expect(passed(live.results, 'first')).toBe(true);
    // The first watch, the first event, the window's end: a burst of events costs two evaluations.
    await vi.waitFor(() => expect(live.evaluations()).toBe(3), SOON);
    live.checker.close();
  });

  it('exec and health check events do not start the checker again', async () => {
    const calls: string[] = [];
    const watch = watchEngine(await sandbox.backend.openEngine(sandbox.sandbox), () => calls.push('change'), { windowMs: 1 });
    try {
      await sh('docker run -d --name probed --health-cmd true --health-interval 1s busybox sleep 600');
      const probes = async () => Number((await sandbox.sh("docker inspect -f '{{len .State.Health.Log}}' probed")).stdout.trim());
      await vi.waitFor(async () => expect(await probes()).toBeGreaterThanOrEqual(2), SOON);
      await sh('docker exec probed true');
      const before = calls.length;
      expect(before).toBeGreaterThan(0);
      // Probes and an exec run (each an exec_create, exec_start, exec_die) while nothing else changes...
      await vi.waitFor(async () => expect(await probes()).toBeGreaterThanOrEqual(4), SOON);
      await sh('docker exec probed true');
      // ...then a marker: events arrive in order, so once it is seen, the execs before it were too.
      await sh('docker volume create marker');
      await vi.waitFor(() => expect(calls.length).toBeGreaterThan(before), SOON);
      expect(calls.length).toBe(before + 1);
    } finally {
      watch.stop();
    }
  });
});
