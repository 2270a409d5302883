// The warm pool with a fake launcher: filling, back-off while starts fail, and recovery.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StartedSandbox } from '../../sandbox-server/sandboxes/backend.ts';
import { createPool, type PoolDeps, type PoolFailure, retryDelay } from '../../sandbox-server/sandboxes/pool.ts';

const sandbox = (id: string): StartedSandbox => ({ id, resumed: false });

function fakeHost() {
  let healthy = false;
  let next = 0;
  const launches: number[] = [];
  const destroyed: string[] = [];
  const failures: PoolFailure[] = [];
  let recovered = 0;
  const deps: PoolDeps = {
    launch: async () => {
      launches.push(Date.now());
      if (!healthy) throw new Error('no tun');
      return sandbox(`s${next++}`);
    },
    destroy: async (s) => void destroyed.push(s.id),
    onFailure: (failure) => failures.push(failure),
    onRecovered: () => void recovered++,
    onError: (error) => {
      throw error;
    },
    retry: { initialMs: 1000, maxMs: 8000 },
  };
  const heal = () => {
    healthy = true;
  };
  return { deps, launches, destroyed, failures, recovered: () => recovered, heal };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retryDelay', () => {
  it('doubles from the first wait and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => retryDelay(n, { initialMs: 1000, maxMs: 60_000 }))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000,
    ]);
  });
});

describe('the pool while starts fail', () => {
  it('waits 1, 2, 4, 8, 8 s between attempts instead of retrying at once', async () => {
    const host = fakeHost();
    const pool = createPool(2, host.deps);
    await vi.advanceTimersByTimeAsync(0);
    expect(host.launches.length).toBe(1);
    for (const wait of [1000, 2000, 4000, 8000, 8000]) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      const before = host.launches.length;
      await vi.advanceTimersByTimeAsync(1);
      expect(host.launches.length).toBe(before + 1);
    }
    expect(host.failures.map((failure) => failure.retryInMs)).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(pool.stats().failures).toBe(6);
    await pool.close();
  });

  it('recovers by itself once the host is fixed, and fills to its target', async () => {
    const host = fakeHost();
    const pool = createPool(2, host.deps);
    await vi.advanceTimersByTimeAsync(3000);
    host.heal();
    await vi.advanceTimersByTimeAsync(4000);
    expect(host.recovered()).toBe(1);
    expect(pool.stats()).toMatchObject({ ready: 2, failures: 0 });
    await pool.close();
  });

  it('keeps one probe going at target 0, and removes the probe once it succeeds', async () => {
    const host = fakeHost();
    const pool = createPool(0, host.deps);
    await expect(pool.claim()).rejects.toThrow('no tun');
    expect(pool.stats().failures).toBe(1);
    host.heal();
    await vi.advanceTimersByTimeAsync(1000);
    expect(host.recovered()).toBe(1);
    expect(host.destroyed).toEqual(['s0']);
    expect(pool.stats()).toMatchObject({ ready: 0, failures: 0 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(host.launches.length).toBe(2);
    await pool.close();
  });

  it('a warm claim refills, a cold claim starts one', async () => {
    const host = fakeHost();
    host.heal();
    const pool = createPool(1, host.deps);
    await vi.advanceTimersByTimeAsync(0);
    expect(await pool.claim()).toMatchObject({ warm: true, sandbox: { id: 's0' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.stats().ready).toBe(1);
    pool.resize(0);
    expect(host.destroyed).toEqual(['s1']);
    expect(await pool.claim()).toMatchObject({ warm: false, sandbox: { id: 's2' } });
    await pool.close();
    expect(host.failures).toEqual([]);
  });
});

describe('readying warm sandboxes', () => {
  it('prepares each before it is ready, and keeps one whose preparing failed', async () => {
    const host = fakeHost();
    host.heal();
    const prepared: string[] = [];
    const pool = createPool(2, {
      ...host.deps,
      prepare: async (s) => {
        if (s.id === 's0') throw new Error('no shell yet');
        await new Promise((resolve) => setTimeout(resolve, 500));
        prepared.push(s.id);
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.stats()).toMatchObject({ ready: 1, starting: 1 });
    await vi.advanceTimersByTimeAsync(500);
    expect(pool.stats()).toMatchObject({ ready: 2, starting: 0 });
    expect(prepared).toEqual(['s1']);
    // Prepared sandboxes are handed out as any other: claims take them.
    expect((await pool.claim()).sandbox.id).toBe('s0');
    expect(host.destroyed).toEqual([]);
  });
});

describe('shrinking while people arrive', () => {
  it('leaves a claim on its way the warm sandbox it is about to take', async () => {
    const host = fakeHost();
    host.heal();
    let looked = () => {};
    const lookedUp = new Promise<boolean>((resolve) => {
      looked = () => resolve(false);
    });
    const pool = createPool(2, { ...host.deps, concurrency: 2, hasKeptDisk: () => lookedUp });
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.stats().ready).toBe(2);
    const claim = pool.claim({ diskKey: 'learner-1' });
    // The seat was taken, so the demand (and the target) drop before the claim reaches the pool's sandboxes.
    pool.resize(0);
    expect(pool.stats().ready).toBe(1);
    looked();
    expect(await claim).toMatchObject({ warm: true });
    expect(host.destroyed).toEqual(['s1']);
    expect(pool.stats().ready).toBe(0);
  });
});
