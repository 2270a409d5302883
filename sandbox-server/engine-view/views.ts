// Live Engine tabs: while a session's events socket is open, its engine is followed (its own `docker
// events`, no polling) and a fresh snapshot is published on the session's channel after each change,
// at most one per THROTTLE_MS and only when it differs from the last one sent.
import type { SessionEvent } from '../protocol/events.ts';
import type { EventsWatch, Sandbox, SandboxBackend } from '../sandboxes/backend.ts';
import { type InnerEngine, InnerEngineError } from '../sandboxes/inner-engine.ts';
import type { EventBus } from '../sessions/events.ts';
import { readSnapshot, type StackCache } from './snapshot.ts';

/** A `docker build` changes the engine many times a second: the tab follows at this pace, never slower. */
export const THROTTLE_MS = 250;
/** Engine events arrive in bursts (a `docker run` is create, attach, connect, start): a look at the first, one more after the burst. */
const EVENTS_WINDOW_MS = 50;

export type EngineViews = {
  /** Follows the session's engine until the returned function is called (once per open socket). */
  open(sessionId: string, sandbox: Sandbox): () => void;
  close(): void;
};

type Followed = {
  sandbox: Sandbox;
  viewers: number;
  watch: EventsWatch;
  stacks: StackCache;
  /** The last snapshot sent, and its JSON text to compare the next one with. */
  last: { event: SessionEvent; text: string } | undefined;
  running: boolean;
  again: boolean;
  lastRun: number;
  timer: NodeJS.Timeout | undefined;
};

export type EngineViewDeps = {
  sandboxes: SandboxBackend;
  events: EventBus;
  throttleMs?: number;
  /** Reading the engine failed (the sandbox is going away, say); the next change tries again. */
  onError?: (error: Error) => void;
};

export function createEngineViews(deps: EngineViewDeps): EngineViews {
  const throttleMs = deps.throttleMs ?? THROTTLE_MS;
  const followed = new Map<string, Followed>();

  async function refresh(sessionId: string, entry: Followed): Promise<void> {
    entry.running = true;
    entry.lastRun = performance.now();
    let engine: InnerEngine | undefined;
    try {
      engine = await deps.sandboxes.openEngine(entry.sandbox);
      const snapshot = await readSnapshot(engine, entry.stacks);
      send(sessionId, entry, { type: 'engine', snapshot });
    } catch (error) {
      // A learner's engine that misbehaves is that learner's to see, in a sentence; the next change tries again.
      if (error instanceof InnerEngineError)
        send(sessionId, entry, { type: 'engine-problem', message: `The Engine tab is not up to date: ${error.message}` });
      deps.onError?.(error as Error);
    } finally {
      engine?.close();
      entry.running = false;
      if (entry.again) {
        entry.again = false;
        schedule(sessionId, entry);
      }
    }
  }

  /** Publishes an event unless it is the one sent last. */
  function send(sessionId: string, entry: Followed, event: SessionEvent): void {
    const text = JSON.stringify(event);
    if (text !== entry.last?.text && followed.get(sessionId) === entry) {
      entry.last = { event, text };
      deps.events.publish(sessionId, event);
    }
  }

  /** Leading and trailing: the first change is shown at once, a burst ends with its final state. */
  function schedule(sessionId: string, entry: Followed): void {
    if (followed.get(sessionId) !== entry) return;
    if (entry.running) {
      entry.again = true;
      return;
    }
    if (entry.timer) return;
    const wait = Math.max(0, entry.lastRun + throttleMs - performance.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void refresh(sessionId, entry);
    }, wait);
  }

  function stop(sessionId: string, entry: Followed): void {
    entry.watch.stop();
    clearTimeout(entry.timer);
    followed.delete(sessionId);
  }

  return {
    open(sessionId, sandbox) {
      let entry = followed.get(sessionId);
      if (entry) {
        entry.viewers += 1;
        // A second page of the same session sees the engine at once, not at the next change.
        if (entry.last) deps.events.publish(sessionId, entry.last.event);
      } else {
        const created: Followed = {
          sandbox,
          viewers: 1,
          watch: deps.sandboxes.watchEvents(sandbox, () => schedule(sessionId, created), { windowMs: EVENTS_WINDOW_MS }),
          stacks: new Map(),
          last: undefined,
          running: false,
          again: false,
          lastRun: Number.NEGATIVE_INFINITY,
          timer: undefined,
        };
        followed.set(sessionId, created);
        entry = created;
        schedule(sessionId, created);
      }
      const viewed = entry;
      let closed = false;
      return () => {
        if (closed) return;
        closed = true;
        viewed.viewers -= 1;
        if (viewed.viewers === 0 && followed.get(sessionId) === viewed) stop(sessionId, viewed);
      };
    },
    close() {
      for (const [sessionId, entry] of [...followed]) stop(sessionId, entry);
    },
  };
}
