// How long kept disks stay and how much of the host they may take: the same rules for every backend,
// as plain functions over what a backend lists.
import type { KeptDisk } from './backend.ts';

export type RetentionPolicy = {
  /** A kept disk older than this goes; 0 keeps nothing. */
  maxAgeMs: number;
  /** All kept disks together take at most this much (blocks in use); the oldest go first. */
  maxTotalBytes: number;
};

/** Nothing is kept: what a backend does when not told otherwise. */
export const NO_KEEPING: RetentionPolicy = { maxAgeMs: 0, maxTotalBytes: 0 };

/** How often a running server applies the policy (disks also go when one is kept over the cap). */
export const KEPT_DISK_SWEEP_MS = 10 * 60_000;

/** Learner ids and the like: safe as a file name, a label value or a Kubernetes object name suffix. */
const DISK_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export function assertDiskKey(key: string): void {
  if (!DISK_KEY.test(key)) throw new Error(`a disk key must be 1 to 64 letters, digits, dashes or underscores (got "${key}").`);
}

export function isExpired(disk: KeptDisk, policy: RetentionPolicy, now: number): boolean {
  return now - disk.keptAt >= policy.maxAgeMs;
}

/** The keys to delete: every expired disk, then the oldest of the rest until they fit under the cap. */
export function disksToForget(disks: KeptDisk[], policy: RetentionPolicy, now: number): string[] {
  const forget = disks.filter((disk) => isExpired(disk, policy, now)).map((disk) => disk.key);
  const rest = disks.filter((disk) => !isExpired(disk, policy, now)).sort((a, b) => a.keptAt - b.keptAt);
  let total = rest.reduce((sum, disk) => sum + disk.bytes, 0);
  for (const disk of rest) {
    if (total <= policy.maxTotalBytes) break;
    forget.push(disk.key);
    total -= disk.bytes;
  }
  return forget;
}
