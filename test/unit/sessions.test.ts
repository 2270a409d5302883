import { afterEach, describe, expect, it } from 'vitest';
import { createPool } from '../../sandbox-server/sandboxes/pool.ts';
import type { BusEvent } from '../../sandbox-server/sessions/events.ts';
import { ADOPT_POLICY, type AdoptPolicy, adoptTimeout, createSessions } from '../../sandbox-server/sessions/sessions.ts';
import { fakeSessions, TIMEOUTS } from '../support/fake-sessions.ts';

const noInput = { lesson: null, workshop: null, name: null, learner: null, participant: null };
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function setup() {
  const world = fakeSessions();
  closers.push(() => world.store.close());
  return world;
}

function follow(world: ReturnType<typeof setup>, id: string): BusEvent[] {
  const seen: BusEvent[] = [];
  world.events.subscribe(id, (event) => seen.push(event));
  return seen;
}

describe('session timeouts', () => {
  it('warns once before the idle timeout, then ends the session and removes its sandbox', async () => {
    const world = setup();
    const { session } = await world.sessions.create(noInput);
    const seen = follow(world, session.record.id);
    const start = session.lastActivity;
    await world.sessions.sweep(start + TIMEOUTS.idleMs - TIMEOUTS.warnMs + 1);
    await world.sessions.sweep(start + TIMEOUTS.idleMs - TIMEOUTS.warnMs + 2);
    expect(seen).toEqual([expect.objectContaining({ type: 'warning', reason: 'idle', secondsLeft: 10 })]);
    await world.sessions.sweep(start + TIMEOUTS.idleMs);
    expect(seen.at(-1)).toEqual({ type: 'sandbox', state: 'ended', reason: 'idle timeout', code: 'idle' });
    expect(world.backend.live.size).toBe(0);
    expect(world.store.getSession(session.record.id)).toMatchObject({ state: 'ended', endCode: 'idle' });
    expect(world.sessions.live(session.record.id)).toBeUndefined();
  });

  it('postpones the idle timeout on activity, and lets it warn again', async () => {
    const world = setup();
    const { session } = await world.sessions.create(noInput);
    const seen = follow(world, session.record.id);
    await world.sessions.sweep(session.lastActivity + TIMEOUTS.idleMs - 1);
    world.sessions.activity(session.record.id);
    await world.sessions.sweep(session.lastActivity + TIMEOUTS.idleMs - 1);
    expect(seen.filter((event) => event.type === 'warning')).toHaveLength(2);
    expect(world.sessions.liveCount()).toBe(1);
  });

  it('ends a busy session at its maximum lifetime', async () => {
    const world = setup();
    const { session } = await world.sessions.create(noInput);
    const seen = follow(world, session.record.id);
    const end = session.record.createdAt + TIMEOUTS.lifetimeMs;
    for (let at = session.record.createdAt; at <= end; at += TIMEOUTS.idleMs / 2) {
      world.sessions.activity(session.record.id);
      session.lastActivity = at;
      await world.sessions.sweep(at);
    }
    expect(seen.at(-1)).toMatchObject({ type: 'sandbox', state: 'ended', code: 'lifetime' });
  });
});

describe('re-adoption after a restart', () => {
  /** A second server on the same store and engine. */
  function restart(first: ReturnType<typeof setup>, policy: Partial<AdoptPolicy> = {}) {
    return createSessions({
      store: first.store,
      pool: createPool(0, {
        launch: (options) => first.backend.start(options),
        hasKeptDisk: async (key) => first.backend.kept.has(key),
        destroy: (s) => first.backend.destroy(s),
        onFailure() {},
        onError() {},
      }),
      sandboxes: first.backend,
      events: first.events,
      timeouts: TIMEOUTS,
      adoptPolicy: { ...ADOPT_POLICY, ...policy },
    });
  }
  /** A session input for a learner the store knows. */
  const learnerIn = (world: ReturnType<typeof setup>, id: string) => {
    if (!world.store.learnerByTokenHash(`hash-of-${id}`))
      world.store.createLearner({ id, tokenHash: `hash-of-${id}`, createdAt: Date.now() });
    return { ...noInput, learner: { id, token: `token-of-${id}` } };
  };

  it('adopts sessions whose sandbox lives, ends those whose sandbox and disk are gone as lost, and reaps orphans', async () => {
    const first = setup();
    const kept = await first.sessions.create(noInput);
    const lost = await first.sessions.create(noInput);
    await first.backend.destroy(lost.session.sandbox);
    const orphan = await first.backend.start();
    expect(await restart(first).adoptAll()).toEqual({ adopted: 1, kept: 0, lost: 1, reaped: 1, problems: [] });
    expect(first.store.getSession(kept.session.record.id)).toMatchObject({ state: 'active' });
    expect(first.store.getSession(lost.session.record.id)).toMatchObject({ state: 'ended', endCode: 'lost' });
    expect(first.backend.live).not.toContain(orphan.id);
  });

  it("tries an unreachable sandbox again, then ends its session with the learner's disk kept, never removed", async () => {
    const first = setup();
    const slow = await first.sessions.create(learnerIn(first, 'ada'));
    const fine = await first.sessions.create(learnerIn(first, 'bob'));
    // Its disk is there, its engine does not answer (a slow start after a reboot).
    first.backend.live.delete(slow.session.sandbox.id);
    first.backend.unreachable.set(slow.session.sandbox.id, 0);
    const second = restart(first, { attempts: 3 });
    const report = await second.adoptAll();
    expect(report).toMatchObject({ adopted: 1, kept: 1, lost: 0, reaped: 0 });
    expect(report.problems).toEqual([expect.stringMatching(/did not answer in time; ended after 3 tries, its learner's disk kept\.$/)]);
    expect(first.backend.commands).toEqual([]);
    expect(first.store.getSession(slow.session.record.id)).toMatchObject({ state: 'ended', endCode: 'unreachable' });
    expect(first.backend.kept.has('ada')).toBe(true);
    expect(second.live(fine.session.record.id)).toBeDefined();
    // The learner's next session resumes from the kept disk.
    const back = await second.create(learnerIn(first, 'ada'));
    expect(back.resumed).toBe(true);
  });

  it('counts tries: an unreachable sandbox is asked `attempts` times, a gone one once', async () => {
    const first = setup();
    const slow = await first.sessions.create(learnerIn(first, 'ada'));
    first.backend.live.delete(slow.session.sandbox.id);
    first.backend.unreachable.set(slow.session.sandbox.id, 0);
    const tries = new Map<string, number>();
    const adopt = first.backend.adopt;
    first.backend.adopt = async (id, options) => {
      tries.set(id, (tries.get(id) ?? 0) + 1);
      return adopt(id, options);
    };
    await restart(first, { attempts: 4 }).adoptAll();
    expect(tries.get(slow.session.sandbox.id)).toBe(4);
  });

  it('gives each try more time the more sandboxes are adopted, and adopts no more than `concurrency` at once', async () => {
    const first = setup();
    for (let i = 0; i < 9; i++) await first.sessions.create(learnerIn(first, `l${i}`));
    const timeouts: number[] = [];
    let running = 0;
    let most = 0;
    const adopt = first.backend.adopt;
    first.backend.adopt = async (id, options) => {
      timeouts.push(options?.timeoutMs ?? 0);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return adopt(id, options);
    };
    expect(await restart(first, { concurrency: 3, baseMs: 10_000, perSandboxMs: 2_000 }).adoptAll()).toMatchObject({ adopted: 9 });
    expect(new Set(timeouts)).toEqual(new Set([10_000 + 9 * 2_000]));
    expect(most).toBe(3);
    expect(adoptTimeout(ADOPT_POLICY, 40)).toBeGreaterThan(adoptTimeout(ADOPT_POLICY, 1));
  });

  it('an adoption that throws counts as unreachable; a disk that cannot be kept leaves the session for the next start', async () => {
    const first = setup();
    const broken = await first.sessions.create(learnerIn(first, 'ada'));
    const id = broken.session.sandbox.id;
    first.backend.adopt = async () => {
      throw new Error('connect ETIMEDOUT');
    };
    const destroy = first.backend.destroy;
    first.backend.destroy = async () => {
      throw new Error('the engine did not answer');
    };
    const report = await restart(first).adoptAll();
    expect(report).toMatchObject({ adopted: 0, kept: 0, lost: 0, reaped: 0 });
    expect(report.problems).toEqual([
      expect.stringMatching(/connect ETIMEDOUT, and keeping its disk failed too .*the next start tries again\.$/),
    ]);
    // Neither reaped nor ended: its disk waits for a start that can keep it.
    expect(first.backend.live).toContain(id);
    expect(first.store.getSession(broken.session.record.id)).toMatchObject({ state: 'active' });
    first.backend.destroy = destroy;
  });
});

describe('a learner sandbox that stops while its session lives', () => {
  it('is started again, and the session stays', async () => {
    const world = setup();
    const { session } = await world.sessions.create(noInput);
    const adopted: string[] = [];
    const adopt = world.backend.adopt;
    world.backend.adopt = async (id, options) => {
      adopted.push(id);
      return adopt(id, options);
    };
    expect(await world.sessions.sandboxStopped(session.sandbox.id)).toBe(true);
    expect(adopted).toEqual([session.sandbox.id]);
    expect(world.sessions.live(session.record.id)).toBeDefined();
    expect(await world.sessions.sandboxStopped('not-a-session-sandbox')).toBe(false);
  });

  it('that does not come back ends its session, told plainly, with the disk kept', async () => {
    const world = setup();
    world.store.createLearner({ id: 'ada', tokenHash: 'hash-of-ada', createdAt: Date.now() });
    const { session } = await world.sessions.create({ ...noInput, learner: { id: 'ada', token: 'token-of-ada' } });
    const seen = follow(world, session.record.id);
    world.backend.live.delete(session.sandbox.id);
    world.backend.unreachable.set(session.sandbox.id, 0);
    await world.sessions.sandboxStopped(session.sandbox.id);
    expect(seen.at(-1)).toEqual({
      type: 'sandbox',
      state: 'ended',
      reason: 'its sandbox stopped and did not come back in time',
      code: 'unreachable',
    });
    expect(world.backend.kept.has('ada')).toBe(true);
    expect(world.sessions.live(session.record.id)).toBeUndefined();
  });

  it('whose sandbox and disk are gone ends as lost', async () => {
    const world = setup();
    const { session } = await world.sessions.create(noInput);
    world.backend.live.delete(session.sandbox.id);
    await world.sessions.sandboxStopped(session.sandbox.id);
    expect(world.store.getSession(session.record.id)).toMatchObject({ state: 'ended', endCode: 'lost' });
  });

  it('that keeps stopping is ended after a few revivals', async () => {
    const world = setup();
    const { session } = await world.sessions.create(noInput);
    for (let i = 0; i < 3; i++) await world.sessions.sandboxStopped(session.sandbox.id);
    expect(world.sessions.live(session.record.id)).toBeDefined();
    await world.sessions.sandboxStopped(session.sandbox.id);
    expect(world.sessions.live(session.record.id)).toBeUndefined();
    expect(world.store.getSession(session.record.id)).toMatchObject({ endCode: 'unreachable' });
  });

  it('is found by a re-check after news was missed, and only dead ones are brought back', async () => {
    const world = setup();
    const alive = await world.sessions.create(noInput);
    const dead = await world.sessions.create(noInput);
    const adopted: string[] = [];
    const adopt = world.backend.adopt;
    world.backend.adopt = async (id, options) => {
      adopted.push(id);
      return adopt(id, options);
    };
    await world.sessions.recheck(async (sandbox) => sandbox.id !== dead.session.sandbox.id);
    expect(adopted).toEqual([dead.session.sandbox.id]);
    expect(world.sessions.liveCount()).toBe(2);
    expect(alive.session.record.id).toBeDefined();
  });
});
