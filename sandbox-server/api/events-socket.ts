// GET /ws/sessions/:id/events: the session's events (sandbox state, timeout warnings, exercise results)
// as JSON text frames. The socket is output only; anything the client sends is answered with an error.
import type { WebSocket } from 'ws';
import { DEFAULT_PING_INTERVAL_MS, keepAlive } from '../http/keepalive.ts';
import type { SessionEvent } from '../protocol/events.ts';
import type { EventBus } from '../sessions/events.ts';

/**
 * `first`: what the session's state is now: its sandbox is ready, or it waits in line (then `queue`
 * messages follow as the line moves, and `sandbox ready` once it is admitted).
 */
export function openEventsSocket(ws: WebSocket, id: string, events: EventBus, first: SessionEvent): void {
  send(ws, first);
  const unsubscribe = events.subscribe(id, (event) => {
    // A session's own channel carries only session events.
    send(ws, event as SessionEvent);
    if (event.type === 'sandbox' && event.state === 'ended') ws.close(1000, 'session ended');
  });
  // A dead connection (a laptop that went to sleep) is noticed and dropped; the page reconnects.
  const stopPings = keepAlive(ws, DEFAULT_PING_INTERVAL_MS);
  ws.on('message', () => send(ws, { type: 'error', error: 'the events socket only sends; use the HTTP API to act', code: 'bad_request' }));
  ws.on('close', () => {
    unsubscribe();
    stopPings();
  });
  ws.on('error', unsubscribe);
}

function send(ws: WebSocket, message: SessionEvent): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}
