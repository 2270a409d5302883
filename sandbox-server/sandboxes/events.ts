// Follows a learner's engine (`docker events`) and calls back when something relevant happened: at once
// for the first event, then once more at the end of a short window that gathers the rest of a burst
// (a `docker run` reports create, connect and start). Reconnects while the sandbox lives (the stream
// ends if the inner engine restarts).
import { throttle } from '../throttle.ts';
import type { EventsWatch } from './backend.ts';
import type { Engine } from './docker.ts';

const RELEVANT: ('container' | 'image' | 'volume' | 'network')[] = ['container', 'image', 'volume', 'network'];

/** Long enough to gather a command's burst of events, short enough that its last one ticks soon. */
export const DEFAULT_WINDOW_MS = 100;

/**
 * Actions that change nothing a check looks at. Checks and HEALTHCHECKs run `exec`s in containers, and
 * those would start the checker again, forever; no check asks for a container's health.
 */
export function isRelevantAction(action: string): boolean {
  return !/^(exec_|health_status)/.test(action);
}

export function watchEngine(engine: Engine, onChange: () => void, options: { windowMs?: number; retryMs?: number } = {}): EventsWatch {
  const retryMs = options.retryMs ?? 1000;
  const changes = throttle(onChange, options.windowMs ?? DEFAULT_WINDOW_MS);
  let stopped = false;
  let stream: NodeJS.ReadableStream | undefined;
  // From when the watch began, then from the last event seen: nothing is missed while (re)connecting.
  let since = Date.now() / 1000;

  const follow = async () => {
    if (stopped) return;
    try {
      const events = await engine.getEvents({ since, filters: { type: RELEVANT } });
      stream = events;
      if (stopped) return void (events as unknown as { destroy(): void }).destroy();
      // One JSON object a line; a chunk may end in the middle of one.
      let partial = '';
      events.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        const actions = lines.filter((line) => line.trim()).map(readEvent);
        const last = actions.at(-1)?.timeNano;
        if (last) since = last / 1e9;
        if (actions.some((event) => isRelevantAction(event.action))) changes.trigger();
      });
      events.on('error', () => {});
      events.on('close', () => {
        if (!stopped) setTimeout(follow, retryMs);
      });
    } catch {
      setTimeout(follow, retryMs);
    }
  };

  void follow();
  return {
    stop() {
      stopped = true;
      changes.stop();
      (stream as unknown as { destroy(): void } | undefined)?.destroy();
    },
  };
}

/** An event's action and time; a line that cannot be read counts as a change (better one check too many). */
function readEvent(line: string): { action: string; timeNano: number | undefined } {
  try {
    const event = JSON.parse(line) as { Action?: unknown; timeNano?: unknown };
    return { action: String(event.Action ?? ''), timeNano: typeof event.timeNano === 'number' ? event.timeNano : undefined };
  } catch {
    return { action: '', timeNano: undefined };
  }
}
