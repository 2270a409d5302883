// What the room's projector counts: who has joined, and who has reached a prompt (their terminal opened
// once in this server's life; a restart forgets it, and their next connection counts them again).
import type { EventBus } from '../sessions/events.ts';
import type { LiveSession } from '../sessions/sessions.ts';

export type Room = {
  /** A session's terminal opened: a participant seen for the first time is announced on the dashboard. */
  terminalOpened(session: LiveSession): void;
  atPrompt(sessionId: string): boolean;
};

export function createRoom(events: EventBus): Room {
  const prompted = new Set<string>();
  return {
    terminalOpened(session) {
      const { id, workshop, name } = session.record;
      if (!workshop || prompted.has(id)) return;
      prompted.add(id);
      events.publish(`workshop:${workshop}`, { type: 'participant', sessionId: id, name: name ?? '', state: 'prompt' });
    },
    atPrompt: (sessionId) => prompted.has(sessionId),
  };
}
