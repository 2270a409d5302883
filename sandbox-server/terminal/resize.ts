// Follows the browser's size without flooding the engine: a drag of the window sends dozens of resizes,
// of which only the last matters. Requests are debounced, one resize call runs at a time, and none is
// made before the exec has started or after it ended (the engine answers those with an error).
import type { TerminalSize } from '../protocol/terminal.ts';

export const RESIZE_DEBOUNCE_MS = 40;

export type Resizer = {
  request(size: TerminalSize): void;
  /** The terminal is ready for resizes: requests made until now are applied. */
  start(): void;
  /** The exec ended: pending and later requests are dropped, a failure of one in flight is ignored. */
  stop(): void;
};

export function createResizer(resize: (size: TerminalSize) => Promise<void>, onError: (error: unknown) => void): Resizer {
  let pending: TerminalSize | undefined;
  let timer: NodeJS.Timeout | undefined;
  let state: 'waiting' | 'running' | 'stopped' = 'waiting';
  let inFlight = false;

  const schedule = () => {
    if (state !== 'running' || inFlight || timer || !pending) return;
    timer = setTimeout(flush, RESIZE_DEBOUNCE_MS);
  };
  const flush = async () => {
    timer = undefined;
    const size = pending;
    pending = undefined;
    if (!size || state !== 'running') return;
    inFlight = true;
    try {
      await resize(size);
    } catch (error) {
      if (state === 'running') onError(error);
    } finally {
      inFlight = false;
      schedule();
    }
  };

  return {
    request(size) {
      pending = size;
      schedule();
    },
    start() {
      if (state === 'waiting') state = 'running';
      schedule();
    },
    stop() {
      state = 'stopped';
      pending = undefined;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
