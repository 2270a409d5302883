// The session's events socket: sandbox state, timeout warnings, exercise results and instructor
// messages, pushed by the server.
import type { SessionEvent } from '../../sandbox-server/protocol/events.ts';
import type { SessionView } from '../../sandbox-server/protocol/sessions.ts';
import { api, endedOf, type Session, type SessionController, sessionSocketUrl } from './session.ts';
import { openReconnectingSocket } from './socket.ts';

export type { SessionEvent };

/**
 * Follows the events of the active session; tells the controller when the sandbox ended. Naming the
 * lesson opens it for the session: its starter files arrive and its exercises are checked live.
 */
export function followEvents(session: Session, lesson: string, controller: SessionController, onEvent: (event: SessionEvent) => void) {
  let ended = false;
  const path = `/ws/sessions/${session.id}/events?lesson=${encodeURIComponent(lesson)}`;
  const socket = openReconnectingSocket(() => sessionSocketUrl(session, 'events', path), {
    onState() {},
    onMessage(data) {
      if (typeof data !== 'string') return;
      let event: SessionEvent;
      try {
        event = JSON.parse(data) as SessionEvent;
      } catch {
        return;
      }
      onEvent(event);
      if (event.type === 'sandbox' && event.state === 'ended') {
        ended = true;
        socket.stop();
        controller.ended({ code: event.code, reason: event.reason });
      }
    },
    async shouldRetry() {
      if (ended) return false;
      const view = await api<SessionView>(session, 'GET', `/api/sessions/${session.id}`);
      if (view.state !== 'ended') return true;
      controller.ended(endedOf(view));
      return false;
    },
  });
  return socket;
}
