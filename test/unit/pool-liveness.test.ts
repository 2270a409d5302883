// The warm pool tells live from dead: a sandbox that died while it waited (the host's engine restarted)
// is never handed out, is dropped when the pool is told it stopped or finds it dead on a re-check, and
// is replaced; what the pool counts as ready is what lives.
import { describe, expect, it, vi } from 'vitest';
import type { Sandbox } from '../../sandbox-server/sandboxes/backend.ts';
import { createPool, type PoolDeps, proofTimeout } from '../../sandbox-server/sandboxes/pool.ts';

function world() {
  let next = 0;
  const dead = new Set<string>();
  const destroyed: string[] = [];
  const probed: string[] = [];
  const deps: PoolDeps = {
    launch: async () => ({ id: `s${next++}`, resumed: false }),
    destroy: async (sandbox: Sandbox) => void destroyed.push(sandbox.id),
    isAlive: async (sandbox: Sandbox) => {
      probed.push(sandbox.id);
      return !dead.has(sandbox.id);
    },
    onFailure: () => {},
    onError: (error) => {
      throw error;
    },
  };
  return { deps, dead, destroyed, probed };
}

const SOON = { timeout: 2000, interval: 5 };

describe('a pool whose sandboxes can die', () => {
  it('proves a claimed sandbox alive, and hands out the next live one instead of a dead one', async () => {
    const w = world();
    const pool = createPool(2, { ...w.deps, concurrency: 2 });
    await vi.waitFor(() => expect(pool.stats().ready).toBe(2), SOON);
    w.dead.add('s0');
    const claimed = await pool.claim();
    expect(claimed).toMatchObject({ sandbox: { id: 's1' }, warm: true });
    expect(w.probed).toEqual(['s0', 's1']);
    expect(w.destroyed).toEqual(['s0']);
    expect(pool.stats().dead).toBe(1);
    await vi.waitFor(() => expect(pool.stats()).toMatchObject({ ready: 2, starting: 0 }), SOON);
    await pool.close();
  });

  it('starts one cold when every ready sandbox is dead', async () => {
    const w = world();
    const pool = createPool(1, w.deps);
    await vi.waitFor(() => expect(pool.stats().ready).toBe(1), SOON);
    w.dead.add('s0');
    const claimed = await pool.claim();
    expect(claimed.sandbox.id).not.toBe('s0');
    expect(w.destroyed).toContain('s0');
    await pool.close();
  });

  it('ends a claim when the sandboxes it starts die as fast as they start: it tries those it held, then one cold', async () => {
    const w = world();
    let probes = 0;
    // A guard for the test itself: a claim that never ends would spin without yielding to any timer.
    const isAlive = async () => {
      probes += 1;
      if (probes > 100) throw new Error('the claim keeps proving sandboxes and never ends');
      return false;
    };
    const pool = createPool(2, { ...w.deps, isAlive, concurrency: 2 });
    await vi.waitFor(() => expect(pool.stats().ready).toBe(2), SOON);
    const claimed = await pool.claim();
    expect(claimed).toMatchObject({ warm: false });
    expect(probes).toBe(2);
    await pool.close();
  });

  it('drops and replaces a sandbox it is told stopped, and counts only live ones as ready', async () => {
    const w = world();
    const pool = createPool(2, { ...w.deps, concurrency: 2 });
    await vi.waitFor(() => expect(pool.stats().ready).toBe(2), SOON);
    expect(pool.stopped('s1')).toBe(true);
    expect(pool.stopped('someone-elses')).toBe(false);
    expect(pool.stats().ready).toBe(1);
    expect(w.destroyed).toEqual(['s1']);
    await vi.waitFor(() => expect(pool.stats()).toMatchObject({ ready: 2, dead: 1 }), SOON);
    await pool.close();
  });

  it('re-checks what it holds after news may have been missed, replacing the dead', async () => {
    const w = world();
    const pool = createPool(3, { ...w.deps, concurrency: 3 });
    await vi.waitFor(() => expect(pool.stats().ready).toBe(3), SOON);
    w.dead.add('s0');
    w.dead.add('s2');
    await pool.recheck();
    expect(w.destroyed.sort()).toEqual(['s0', 's2']);
    await vi.waitFor(() => expect(pool.stats()).toMatchObject({ ready: 3, dead: 2 }), SOON);
    expect((await pool.claim()).sandbox.id).toBe('s1');
    await pool.close();
  });
});

describe('proofs of life in a crowd', () => {
  it('gives each proof more time while many run at once, so a slow healthy sandbox is not taken for dead', async () => {
    const w = world();
    const timeouts: number[] = [];
    let answer = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const pool = createPool(3, {
      ...w.deps,
      concurrency: 3,
      isAlive: async (_sandbox, timeoutMs) => {
        timeouts.push(timeoutMs);
        await answered;
        return true;
      },
    });
    await vi.waitFor(() => expect(pool.stats().ready).toBe(3), SOON);
    const claims = [pool.claim(), pool.claim(), pool.claim()];
    await vi.waitFor(() => expect(timeouts).toHaveLength(3), SOON);
    answer();
    await Promise.all(claims);
    expect(timeouts).toEqual([proofTimeout(1), proofTimeout(2), proofTimeout(3)]);
    expect(proofTimeout(100)).toBeGreaterThanOrEqual(25_000);
    expect(w.destroyed).toEqual([]);
  });
});
