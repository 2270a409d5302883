// GET /ws/sessions/:id/events: the session's events (sandbox state, timeout warnings, exercise results)
// as JSON text frames. The socket is output only; anything the client sends is answered with an error.
import type { WebSocket } from 'ws';
import { DEFAULT_PING_INTERVAL_MS, keepAlive } from '../http/keepalive.ts';
import type { SessionEvent } from '../protocol/events.ts';
import type { EventBus } from '../sessions/events.ts';

/**
 * Past this many bytes waiting to go out, an Engine tab snapshot is held back, and only the newest one
 * is sent once the reader catches up: a snapshot replaces every one before it.
 */
export const EVENTS_BUFFER_SOFT = 256 * 1024;
/** A reader this far behind (it never reads, or reads far slower than the engine changes) is dropped; its page reconnects. */
export const EVENTS_BUFFER_MAX = 4 * 1024 * 1024;
/** How often a held-back snapshot is tried again. */
const HELD_RETRY_MS = 250;

/**
 * `first`: what the session's state is now: its sandbox is ready, or it waits in line (then `queue`
 * messages follow as the line moves, and `sandbox ready` once it is admitted).
 */
export function openEventsSocket(ws: WebSocket, id: string, events: EventBus, first: SessionEvent): void {
  send(ws, first);
  let held: SessionEvent | undefined;
  let retry: NodeJS.Timeout | undefined;
  const sendHeld = () => {
    retry = undefined;
    if (!held) return;
    if (ws.bufferedAmount > EVENTS_BUFFER_SOFT) {
      retry = setTimeout(sendHeld, HELD_RETRY_MS);
      return;
    }
    send(ws, held);
    held = undefined;
  };
  const unsubscribe = events.subscribe(id, (event) => {
    // A session's own channel carries only session events.
    const message = event as SessionEvent;
    if (ws.bufferedAmount > EVENTS_BUFFER_MAX) {
      ws.terminate();
      return;
    }
    if (message.type === 'engine' && (held || ws.bufferedAmount > EVENTS_BUFFER_SOFT)) {
      held = message;
      retry ??= setTimeout(sendHeld, HELD_RETRY_MS);
      return;
    }
    send(ws, message);
    if (message.type === 'sandbox' && message.state === 'ended') ws.close(1000, 'session ended');
  });
  // A dead connection (a laptop that went to sleep) is noticed and dropped; the page reconnects.
  const stopPings = keepAlive(ws, DEFAULT_PING_INTERVAL_MS);
  ws.on('message', () => send(ws, { type: 'error', error: 'the events socket only sends; use the HTTP API to act', code: 'bad_request' }));
  ws.on('close', () => {
    unsubscribe();
    stopPings();
    clearTimeout(retry);
  });
  ws.on('error', unsubscribe);
}

function send(ws: WebSocket, message: SessionEvent): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}
