// How long kept disks stay and how much of the host they may take: the same rules for every backend,
// as plain functions over what a backend lists. A disk goes when it expires or when its owner (the
// learner whose key it is) keeps a newer one under the same key; never to make room for someone else's:
// a keep that does not fit under the cap is refused instead, so nobody can evict another learner's work.
import type { KeptDisk } from './backend.ts';

export type RetentionPolicy = {
  /** A kept disk older than this goes; 0 keeps nothing. */
  maxAgeMs: number;
  /** All kept disks together take at most this much (blocks in use); a keep beyond it is refused. */
  maxTotalBytes: number;
};

/** Nothing is kept: what a backend does when not told otherwise. */
export const NO_KEEPING: RetentionPolicy = { maxAgeMs: 0, maxTotalBytes: 0 };

/** How often a running server deletes expired disks (they are also deleted before every keep). */
export const KEPT_DISK_SWEEP_MS = 10 * 60_000;

/** Learner ids and the like: safe as a file name, a label value or a Kubernetes object name suffix. */
const DISK_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export function assertDiskKey(key: string): void {
  if (!DISK_KEY.test(key)) throw new Error(`a disk key must be 1 to 64 letters, digits, dashes or underscores (got "${key}").`);
}

export function isExpired(disk: KeptDisk, policy: RetentionPolicy, now: number): boolean {
  return now - disk.keptAt >= policy.maxAgeMs;
}

/** The keys to delete: the expired disks. */
export function disksToForget(disks: KeptDisk[], policy: RetentionPolicy, now: number): string[] {
  return disks.filter((disk) => isExpired(disk, policy, now)).map((disk) => disk.key);
}

/**
 * Whether the disk just kept under `key` may stay: it fits under the cap with the disks kept before it
 * (so of two keeps at once, the later one is refused, never both).
 */
export function keepFits(disks: KeptDisk[], key: string, policy: RetentionPolicy): boolean {
  const mine = disks.find((disk) => disk.key === key);
  if (!mine) return false;
  const before = disks.filter((disk) => disk.key !== key && disk.keptAt <= mine.keptAt).reduce((sum, disk) => sum + disk.bytes, 0);
  return before + mine.bytes <= policy.maxTotalBytes;
}
