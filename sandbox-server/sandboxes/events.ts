// Follows a learner's engine (`docker events`) and calls back, debounced, when something relevant
// happened. Reconnects while the sandbox lives (the stream ends if the inner engine restarts).
import type { EventsWatch } from './backend.ts';
import type { Engine } from './docker.ts';

const RELEVANT: ('container' | 'image' | 'volume' | 'network')[] = ['container', 'image', 'volume', 'network'];

export function watchEngine(engine: Engine, onChange: () => void, options: { debounceMs?: number; retryMs?: number } = {}): EventsWatch {
  const debounceMs = options.debounceMs ?? 300;
  const retryMs = options.retryMs ?? 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let stream: NodeJS.ReadableStream | undefined;

  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };

  const follow = async () => {
    if (stopped) return;
    try {
      const events = await engine.getEvents({ filters: { type: RELEVANT } });
      stream = events;
      if (stopped) return void (events as unknown as { destroy(): void }).destroy();
      events.on('data', changed);
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
      clearTimeout(timer);
      (stream as unknown as { destroy(): void } | undefined)?.destroy();
    },
  };
}
