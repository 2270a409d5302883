// How much memory the host has free now, as the kernel estimates it for new work (MemAvailable: free
// memory plus what caches would give back). Read on every admission decision: it is a small file in RAM.
import { readFileSync } from 'node:fs';

/** The kernel's estimate; DOCKHAND_MEMINFO names another file in the same format (a test's squeeze). */
export const MEMINFO = '/proc/meminfo';

export type MemoryReading = () => number;

export function hostMemoryAvailable(file = MEMINFO): MemoryReading {
  return () => {
    const line = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(readFileSync(file, 'utf8'));
    if (!line) throw new Error(`${file} says nothing about MemAvailable`);
    return Number(line[1]) * 1024;
  };
}
