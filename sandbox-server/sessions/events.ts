// Per-session publish/subscribe for what the events socket streams to the learner's page.
export type SessionEvent =
  | { type: 'sandbox'; state: 'ready' | 'ended'; reason?: string }
  | { type: 'warning'; reason: 'idle' | 'lifetime'; secondsLeft: number; message: string }
  | { type: 'exercise'; lesson: string; exercise: string; passed: boolean; message: string };

export type Listener = (event: SessionEvent) => void;

export type EventBus = {
  publish(sessionId: string, event: SessionEvent): void;
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
