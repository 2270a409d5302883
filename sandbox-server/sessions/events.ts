// Publish/subscribe per channel: a session id (what its events socket streams to the learner's page),
// or `workshop:<code>` (what the instructor's dashboard follows).
import type { SessionEvent, WorkshopEvent } from '../protocol/events.ts';

export type BusEvent = SessionEvent | WorkshopEvent;

export type Listener = (event: BusEvent) => void;

export type EventBus = {
  publish(sessionId: string, event: BusEvent): void;
  subscribe(sessionId: string, listener: Listener): () => void;
  listenerCount(sessionId: string): number;
};

export function createEventBus(): EventBus {
  const listeners = new Map<string, Set<Listener>>();
  return {
    publish(sessionId, event) {
      for (const listener of listeners.get(sessionId) ?? []) listener(event);
    },
    subscribe(sessionId, listener) {
      const set = listeners.get(sessionId) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(sessionId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(sessionId);
      };
    },
    listenerCount: (sessionId) => listeners.get(sessionId)?.size ?? 0,
  };
}
