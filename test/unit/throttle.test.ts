import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRelevantAction } from '../../sandbox-server/sandboxes/events.ts';
import { throttle } from '../../sandbox-server/throttle.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('throttle', () => {
  it('runs at the first trigger, once more at the end of the window for a burst, then rests', () => {
    const run = vi.fn();
    const changes = throttle(run, 100);
    changes.trigger();
    expect(run).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 10; i++) changes.trigger();
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100);
    expect(run).toHaveBeenCalledTimes(2);
    // The trailing run opened a window of its own: nothing came in it, so nothing more runs.
    vi.advanceTimersByTime(1000);
    expect(run).toHaveBeenCalledTimes(2);
    changes.trigger();
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('a single trigger runs once, and a trigger after the window runs at once again', () => {
    const run = vi.fn();
    const changes = throttle(run, 100);
    changes.trigger();
    vi.advanceTimersByTime(150);
    expect(run).toHaveBeenCalledTimes(1);
    changes.trigger();
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('a long burst runs once per window, not once per trigger and not only at its end', () => {
    const run = vi.fn();
    const changes = throttle(run, 100);
    for (let ms = 0; ms < 1000; ms += 10) {
      changes.trigger();
      vi.advanceTimersByTime(10);
    }
    expect(run.mock.calls.length).toBeGreaterThanOrEqual(10);
    expect(run.mock.calls.length).toBeLessThanOrEqual(11);
  });

  it('stop drops a pending run', () => {
    const run = vi.fn();
    const changes = throttle(run, 100);
    changes.trigger();
    changes.trigger();
    changes.stop();
    vi.advanceTimersByTime(500);
    expect(run).toHaveBeenCalledTimes(1);
  });
});

describe('engine events that matter to checks', () => {
  it('ignores execs and health checks, keeps what changes containers, images, volumes and networks', () => {
    for (const action of ['exec_create: sh -c test -f /tmp/ready', 'exec_start: true', 'exec_die', 'health_status: healthy'])
      expect(isRelevantAction(action), action).toBe(false);
    for (const action of ['create', 'start', 'die', 'destroy', 'tag', 'pull', 'connect', 'mount', ''])
      expect(isRelevantAction(action), action).toBe(true);
  });
});
