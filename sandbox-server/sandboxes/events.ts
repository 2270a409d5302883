// Follows a learner's engine (`docker events`) and calls back when something relevant happened: at once
// for the first event, then once more at the end of a short window that gathers the rest of a burst
// (a `docker run` reports create, connect and start). Reconnects while the sandbox lives (the stream
// ends if the inner engine restarts).
import { throttle } from '../throttle.ts';
import type { EventsWatch } from './backend.ts';
import type { EventsOptions, InnerEngine } from './inner-engine.ts';

const RELEVANT: EventsOptions['types'] = ['container', 'image', 'volume', 'network'];

/** Long enough to gather a command's burst of events, short enough that its last one ticks soon. */
export const DEFAULT_WINDOW_MS = 100;

/**
 * Actions that change nothing a check looks at. Checks and HEALTHCHECKs run `exec`s in containers, and
 * those would start the checker again, forever; no check asks for a container's health.
 */
export function isRelevantAction(action: string): boolean {
  return !/^(exec_|health_status)/.test(action);
}

export function watchEngine(engine: InnerEngine, onChange: () => void, options: { windowMs?: number; retryMs?: number } = {}): EventsWatch {
  const retryMs = options.retryMs ?? 1000;
  const changes = throttle(onChange, options.windowMs ?? DEFAULT_WINDOW_MS);
  let stopped = false;
  let stream: { stop(): void } | undefined;
  let retry: NodeJS.Timeout | undefined;
  // From when the watch began, then from the last event seen: nothing is missed while (re)connecting.
  let since = Date.now() / 1000;

  const follow = () => {
    if (stopped) return;
    stream = engine.events({
      since,
      types: RELEVANT,
      onEvent(event) {
        if (event.timeNano) since = event.timeNano / 1e9;
        if (isRelevantAction(event.action)) changes.trigger();
      },
      // The engine restarted, or misbehaved (a line past the bound): try again a moment later, never at once.
      onEnd() {
        if (!stopped) retry = setTimeout(follow, retryMs);
      },
    });
  };

  follow();
  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      changes.stop();
      stream?.stop();
    },
  };
}
