import { afterEach, describe, expect, it } from 'vitest';
import { createPool } from '../../sandbox-server/sandboxes/pool.ts';
import type { BusEvent } from '../../sandbox-server/sessions/events.ts';
import { createSessions } from '../../sandbox-server/sessions/sessions.ts';
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
    expect(world.sessions.access(session.record.id, 'any')).toMatchObject({ ok: false });
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

  it('tells a wrong token, an unknown id and an ended session apart by code', async () => {
    const world = setup();
    const { session, token } = await world.sessions.create(noInput);
    expect(world.sessions.access(session.record.id, token)).toMatchObject({ ok: true });
    expect(world.sessions.access(session.record.id, 'wrong')).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(world.sessions.access('nope', token)).toMatchObject({ ok: false, code: 'not_found' });
    await world.sessions.end(session.record.id, 'learner');
    expect(world.sessions.access(session.record.id, token)).toMatchObject({ ok: false, code: 'session_ended' });
  });
});

describe('re-adoption after a restart', () => {
  it('adopts sessions whose sandbox lives, ends those whose sandbox is gone, and reaps orphans', async () => {
    const first = setup();
    const kept = await first.sessions.create(noInput);
    const lost = await first.sessions.create(noInput);
    await first.backend.destroy(lost.session.sandbox);
    const orphan = await first.backend.start();
    // A second server on the same store and engine.
    const second = createSessions({
      store: first.store,
      pool: createPool(0, { launch: () => first.backend.start(), destroy: (s) => first.backend.destroy(s), onFailure() {}, onError() {} }),
      sandboxes: first.backend,
      events: first.events,
      timeouts: TIMEOUTS,
    });
    expect(await second.adoptAll()).toEqual({ adopted: 1, ended: 1, reaped: 1 });
    expect(second.live(kept.session.record.id)).toBeDefined();
    expect(first.store.getSession(lost.session.record.id)).toMatchObject({ state: 'ended', endCode: 'lost' });
    expect(first.backend.live).not.toContain(orphan.id);
  });
});
