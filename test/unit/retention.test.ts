// The retention rules for kept disks: expiry, then the oldest over the size cap, and the keys allowed.
import { describe, expect, it } from 'vitest';
import type { KeptDisk } from '../../sandbox-server/sandboxes/backend.ts';
import { assertDiskKey, disksToForget, isExpired, NO_KEEPING } from '../../sandbox-server/sandboxes/retention.ts';

const DAY = 86_400_000;
const NOW = 100 * DAY;
const disk = (key: string, daysAgo: number, megabytes: number): KeptDisk => ({
  key,
  keptAt: NOW - daysAgo * DAY,
  bytes: megabytes * 1024 ** 2,
});
const week = (capMegabytes: number) => ({ maxAgeMs: 7 * DAY, maxTotalBytes: capMegabytes * 1024 ** 2 });

describe('kept disk retention', () => {
  it('forgets disks at or past the keep time', () => {
    expect(isExpired(disk('a', 7, 1), week(100), NOW)).toBe(true);
    expect(isExpired(disk('a', 6.9, 1), week(100), NOW)).toBe(false);
    expect(disksToForget([disk('fresh', 1, 10), disk('old', 8, 10)], week(100), NOW)).toEqual(['old']);
  });

  it('forgets the oldest until the rest fit under the cap, whatever order they are listed in', () => {
    const disks = [disk('mid', 3, 40), disk('newest', 1, 40), disk('oldest', 5, 40)];
    expect(disksToForget(disks, week(100), NOW)).toEqual(['oldest']);
    expect(disksToForget(disks, week(80), NOW)).toEqual(['oldest']);
    expect(disksToForget(disks, week(79), NOW)).toEqual(['oldest', 'mid']);
    expect(disksToForget(disks, week(120), NOW)).toEqual([]);
  });

  it('counts only disks that are not expired against the cap', () => {
    const disks = [disk('expired', 9, 500), disk('a', 2, 40), disk('b', 1, 40)];
    expect(disksToForget(disks, week(100), NOW)).toEqual(['expired']);
  });

  it('forgets even the newest when it alone is over the cap', () => {
    expect(disksToForget([disk('huge', 0, 200)], week(100), NOW)).toEqual(['huge']);
  });

  it('keeps nothing with a keep time of 0', () => {
    expect(disksToForget([disk('now', 0, 1)], NO_KEEPING, NOW)).toEqual(['now']);
  });

  it.each(['learner-1', 'AbC_09-x', 'a'.repeat(64)])('accepts the key %s', (key) => {
    expect(() => assertDiskKey(key)).not.toThrow();
  });

  it.each(['', '../x', 'a/b', 'with space', 'a'.repeat(65), 'é'])('refuses the key "%s" with a sentence', (key) => {
    expect(() => assertDiskKey(key)).toThrow(/^a disk key must be 1 to 64 letters, digits, dashes or underscores/);
  });
});
