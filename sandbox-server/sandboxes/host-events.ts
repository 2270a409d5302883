// Follows the host engine's events for this instance's sandboxes and says when one stopped without
// being asked to (its engine died, the host's dockerd restarted). When the stream breaks (the host's
// engine restarted), news may have been missed: that is said too, once the engine answers again.
import type { EventsWatch, SandboxWatch } from './backend.ts';
import type { Engine } from './docker.ts';
import { LABEL, labelFilter } from './labels.ts';

/** A line longer than this is no event of ours: dropped rather than buffered. */
const MAX_LINE = 64 * 1024;

export function watchSandboxStops(host: Engine, instance: string, watch: SandboxWatch, retryMs = 1000): EventsWatch {
  let stopped = false;
  let stream: NodeJS.ReadableStream | undefined;
  let broken = false;

  const follow = async () => {
    if (stopped) return;
    try {
      const events = await host.getEvents({
        filters: { type: ['container'], event: ['die'], label: labelFilter(instance, 'sandbox').label },
      });
      stream = events;
      if (stopped) return void (events as unknown as { destroy(): void }).destroy();
      if (broken) {
        broken = false;
        watch.onMissed();
      }
      let partial = '';
      events.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        if (partial.length > MAX_LINE) partial = '';
        for (const line of lines) {
          const id = sandboxOf(line);
          if (id) watch.onStopped(id);
        }
      });
      // The close that follows a broken stream is what follows up on it.
      events.on('error', () => {});
      events.on('close', () => {
        broken = true;
        if (!stopped) setTimeout(follow, retryMs).unref();
      });
    } catch {
      // The host engine does not answer now: try again; once it does, onMissed says news may have been missed.
      broken = true;
      if (!stopped) setTimeout(follow, retryMs).unref();
    }
  };

  void follow();
  return {
    stop() {
      stopped = true;
      (stream as unknown as { destroy(): void } | undefined)?.destroy();
    },
  };
}

/** The sandbox a `die` event names; a line that is not JSON names none. */
function sandboxOf(line: string): string | undefined {
  try {
    const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, unknown> } };
    const id = event.Actor?.Attributes?.[LABEL.sandbox];
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
