// Keeps idle sockets open through proxies and finds dead ones: a ping every interval, and a socket that
// has not answered the previous ping by the next one is terminated. While the socket is paused (the
// shell is not taking input) its pongs are not read, so that does not count as dead.
import type { WebSocket } from 'ws';

export const DEFAULT_PING_INTERVAL_MS = 30_000;

/** Returns a function that stops the pings. */
export function keepAlive(ws: WebSocket, intervalMs: number): () => void {
  let answered = true;
  const onPong = () => {
    answered = true;
  };
  ws.on('pong', onPong);
  const timer = setInterval(() => {
    if (!answered && !ws.isPaused) {
      ws.terminate();
      return;
    }
    answered = false;
    ws.ping();
  }, intervalMs);
  return () => {
    clearInterval(timer);
    ws.off('pong', onPong);
  };
}
