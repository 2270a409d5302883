import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TerminalSize } from '../../sandbox-server/protocol/terminal.ts';
import { createResizer, RESIZE_DEBOUNCE_MS } from '../../sandbox-server/terminal/resize.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function resizer(resize: (size: TerminalSize) => Promise<void> = async () => {}) {
  const calls: TerminalSize[] = [];
  const errors: unknown[] = [];
  const instance = createResizer(
    async (size) => {
      calls.push(size);
      await resize(size);
    },
    (error) => errors.push(error),
  );
  return { instance, calls, errors };
}

describe('terminal resizes', () => {
  it('wait for start, then apply only the last of a burst', async () => {
    const { instance, calls } = resizer();
    instance.request({ cols: 10, rows: 5 });
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS * 2);
    expect(calls).toEqual([]);
    instance.start();
    for (let cols = 20; cols <= 30; cols++) instance.request({ cols, rows: 5 });
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS);
    expect(calls).toEqual([{ cols: 30, rows: 5 }]);
  });

  it('run one at a time: a request during a resize follows it', async () => {
    let finish: () => void = () => {};
    const { instance, calls } = resizer(() => new Promise<void>((resolve) => (finish = resolve)));
    instance.start();
    instance.request({ cols: 1, rows: 1 });
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS);
    instance.request({ cols: 2, rows: 2 });
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS * 3);
    expect(calls).toHaveLength(1);
    finish();
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS);
    expect(calls).toEqual([
      { cols: 1, rows: 1 },
      { cols: 2, rows: 2 },
    ]);
  });

  it('drop everything after stop, and ignore the failure of one in flight', async () => {
    let fail: (error: Error) => void = () => {};
    const { instance, calls, errors } = resizer(() => new Promise<void>((_, reject) => (fail = reject)));
    instance.start();
    instance.request({ cols: 1, rows: 1 });
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS);
    instance.stop();
    fail(new Error('the exec is gone'));
    instance.request({ cols: 2, rows: 2 });
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS * 3);
    expect(calls).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('report a failure while running', async () => {
    const { instance, errors } = resizer(async () => {
      throw new Error('no');
    });
    instance.start();
    instance.request({ cols: 1, rows: 1 });
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS);
    expect(errors).toHaveLength(1);
  });
});
