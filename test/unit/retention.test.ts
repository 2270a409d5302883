// The retention rules for kept disks: expiry, a keep refused over the size cap (nobody's disk evicted
// for another's), and the keys allowed.
import { describe, expect, it } from 'vitest';
import type { KeptDisk } from '../../sandbox-server/sandboxes/backend.ts';
import { assertDiskKey, disksToForget, isExpired, keepFits, NO_KEEPING } from '../../sandbox-server/sandboxes/retention.ts';

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

  it('never forgets a disk that has not expired for the size cap: other learners keep their work', () => {
    const disks = [disk('mid', 3, 40), disk('newest', 1, 40), disk('oldest', 5, 40)];
    expect(disksToForget(disks, week(79), NOW)).toEqual([]);
    expect(disksToForget([...disks, disk('expired', 9, 500)], week(79), NOW)).toEqual(['expired']);
  });

  it('refuses the keep that goes over the cap, whatever order they are listed in, instead of evicting older ones', () => {
    const disks = [disk('mid', 3, 40), disk('newest', 1, 40), disk('oldest', 5, 40)];
    expect(keepFits(disks, 'newest', week(120))).toBe(true);
    expect(keepFits(disks, 'newest', week(119))).toBe(false);
    // The older disks were kept first: they fit, whatever comes after them.
    expect(keepFits(disks, 'mid', week(80))).toBe(true);
    expect(keepFits(disks, 'oldest', week(40))).toBe(true);
  });

  it('refuses a disk that alone is over the cap, or that is not there', () => {
    expect(keepFits([disk('huge', 0, 200)], 'huge', week(100))).toBe(false);
    expect(keepFits([], 'gone', week(100))).toBe(false);
  });

  it('of two keeps at the same moment refuses at most the one that does not fit', () => {
    const disks = [disk('a', 0, 60), disk('b', 0, 60)];
    expect([keepFits(disks, 'a', week(100)), keepFits(disks, 'b', week(100))]).toEqual([false, false]);
    expect([keepFits(disks, 'a', week(120)), keepFits(disks, 'b', week(120))]).toEqual([true, true]);
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
