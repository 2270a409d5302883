import { describe, expect, it, vi } from 'vitest';
import type { StartedSandbox, StartOptions } from '../../sandbox-server/sandboxes/backend.ts';
import { createPool } from '../../sandbox-server/sandboxes/pool.ts';
import { fakeBackend } from '../support/fake-backend.ts';

function poolOn(target: number, options: { concurrency?: number; failures?: number } = {}) {
  const backend = fakeBackend();
  let failures = options.failures ?? 0;
  const errors: unknown[] = [];
  const launch = vi.fn(async (start?: StartOptions): Promise<StartedSandbox> => {
    if (failures > 0) {
      failures--;
      throw new Error('no room');
    }
    return backend.start(start);
  });
  const pool = createPool(target, {
    launch,
    hasKeptDisk: async (key) => backend.kept.has(key),
    destroy: (sandbox) => backend.destroy(sandbox),
    onFailure: ({ error }) => errors.push(error),
    onError: (error) => errors.push(error),
    concurrency: options.concurrency,
    retry: { initialMs: 1, maxMs: 1 },
  });
  return { backend, pool, launch, errors };
}

describe('the warm pool', () => {
  it('fills to its target and hands out ready sandboxes, refilling behind each claim', async () => {
    const { pool, backend } = poolOn(2);
    await vi.waitFor(() => expect(pool.stats()).toMatchObject({ target: 2, ready: 2, starting: 0 }));
    const claimed = await pool.claim();
    expect(claimed.warm).toBe(true);
    expect(backend.live).toContain(claimed.sandbox.id);
    await vi.waitFor(() => expect(pool.stats().ready).toBe(2));
    expect(backend.live.size).toBe(3);
  });

  it('starts one cold when none is ready', async () => {
    const { pool } = poolOn(0);
    expect(await pool.claim()).toMatchObject({ warm: false });
  });

  it('starts at most `concurrency` sandboxes at once', async () => {
    const { pool } = poolOn(5, { concurrency: 2 });
    expect(pool.stats()).toMatchObject({ ready: 0, starting: 2 });
    await vi.waitFor(() => expect(pool.stats().ready).toBe(5));
  });

  it('shrinks by destroying ready sandboxes, and grows again on resize', async () => {
    const { pool, backend } = poolOn(3);
    await vi.waitFor(() => expect(pool.stats().ready).toBe(3));
    pool.resize(1);
    expect(pool.stats()).toMatchObject({ target: 1, ready: 1 });
    await vi.waitFor(() => expect(backend.live.size).toBe(1));
    pool.resize(2);
    await vi.waitFor(() => expect(pool.stats().ready).toBe(2));
  });

  it('reports a failed start and keeps filling', async () => {
    const { pool, errors } = poolOn(1, { failures: 1 });
    await vi.waitFor(() => expect(pool.stats().ready).toBe(1));
    expect(errors).toHaveLength(1);
  });

  it('on close, waits for starts in flight and destroys every unclaimed sandbox, keeping claimed ones', async () => {
    const { pool, backend } = poolOn(2);
    const claimed = await pool.claim();
    await pool.close();
    expect([...backend.live]).toEqual([claimed.sandbox.id]);
    await expect(pool.claim()).rejects.toThrow(/shut down/);
  });

  it('starts a learner with a kept disk on it, cold, and leaves the warm ones for others', async () => {
    const { pool, backend, launch } = poolOn(1);
    await vi.waitFor(() => expect(pool.stats().ready).toBe(1));
    const earlier = await backend.start();
    await backend.destroy(earlier, { keepDiskAs: 'learner-1' });
    const resumed = await pool.claim({ diskKey: 'learner-1' });
    expect(resumed).toMatchObject({ warm: false, resumed: true });
    expect(launch).toHaveBeenLastCalledWith({ diskKey: 'learner-1' });
    expect(pool.stats().ready).toBe(1);
    // Nothing kept under the key (any more): a warm one, as for anyone.
    expect(await pool.claim({ diskKey: 'learner-1' })).toMatchObject({ warm: true, resumed: false });
  });
});
