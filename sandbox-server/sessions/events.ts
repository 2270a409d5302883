// Publish/subscribe per channel: a session id (what its events socket streams to the learner's page),
// or `workshop:<code>` (what the instructor's dashboard follows).
export type SessionEvent =
  | { type: 'sandbox'; state: 'ready' | 'ended'; reason?: string }
  | { type: 'warning'; reason: 'idle' | 'lifetime'; secondsLeft: number; message: string }
  | { type: 'exercise'; lesson: string; exercise: string; passed: boolean; message: string }
  | { type: 'broadcast'; message: string; from: string }
  /** On a workshop's channel (`workshop:<code>`), for the instructor's dashboard. */
  | { type: 'progress'; sessionId: string; lesson: string; exercise: string; passed: boolean }
  | { type: 'participant'; sessionId: string; name: string; state: 'joined' | 'ended' };

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
