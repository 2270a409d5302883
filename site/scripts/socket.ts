// A WebSocket that comes back by itself: after a drop it retries with a growing delay (capped), at once
// when the browser goes back online or the tab becomes visible, and reports every state change so the
// page can show it. `stop()` ends it for good.

export type SocketState = 'connecting' | 'open' | 'waiting' | 'stopped';

export type SocketHandlers = {
  onState(state: SocketState, detail: { retryInMs?: number; attempt: number }): void;
  onOpen?(ws: WebSocket): void;
  onMessage(data: string | ArrayBuffer): void;
  /** Asked after a connection closed: false stops retrying (e.g. the session ended). */
  shouldRetry?(): Promise<boolean>;
  /**
   * A connection that sent something and heard nothing back for this long is taken for dead (a laptop
   * that changed networks keeps a socket "open" that goes nowhere) and replaced.
   */
  stallTimeoutMs?: number;
};

const MAX_DELAY_MS = 8_000;

function wsUrl(path: string): string {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** The path with a fresh single-use ticket (`issue` asks the API for one), as a ws: or wss: URL. */
export async function withTicket(path: string, issue: () => Promise<{ ticket: string }>): Promise<string> {
  const { ticket } = await issue();
  return wsUrl(`${path}${path.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`);
}

/** `url` is asked anew for every connection: each carries a ticket that works once. */
export function openReconnectingSocket(url: () => Promise<string>, handlers: SocketHandlers) {
  let ws: WebSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let stopped = false;
  let connecting = false;
  let stallTimer: ReturnType<typeof setTimeout> | undefined;

  const connect = () => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped || connecting) return;
    handlers.onState('connecting', { attempt });
    connecting = true;
    url().then(
      (address) => {
        connecting = false;
        if (!stopped) open(address);
      },
      () => {
        connecting = false;
        void retryLater();
      },
    );
  };

  const open = (address: string) => {
    const socket = new WebSocket(address);
    socket.binaryType = 'arraybuffer';
    ws = socket;
    socket.onopen = () => {
      attempt = 0;
      handlers.onState('open', { attempt });
      handlers.onOpen?.(socket);
    };
    socket.onmessage = (event) => {
      if (ws !== socket) return;
      clearTimeout(stallTimer);
      stallTimer = undefined;
      handlers.onMessage(event.data as string | ArrayBuffer);
    };
    socket.onclose = () => void lost(socket);
  };

  /** The connection ended (closed, or stalled): ask whether to go on, then retry after a while. */
  const lost = async (socket: WebSocket) => {
    clearTimeout(stallTimer);
    stallTimer = undefined;
    if (ws !== socket || stopped) return;
    ws = undefined;
    await retryLater();
  };

  const retryLater = async () => {
    if (handlers.shouldRetry && !(await handlers.shouldRetry().catch(() => true))) return stop();
    if (stopped) return;
    attempt += 1;
    const retryInMs = Math.min(MAX_DELAY_MS, 500 * 2 ** (attempt - 1));
    handlers.onState('waiting', { retryInMs, attempt });
    timer = setTimeout(connect, retryInMs);
  };

  const retryNow = () => {
    if (!stopped && !ws && timer) connect();
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') retryNow();
  };
  window.addEventListener('online', retryNow);
  document.addEventListener('visibilitychange', onVisible);

  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    clearTimeout(stallTimer);
    window.removeEventListener('online', retryNow);
    document.removeEventListener('visibilitychange', onVisible);
    const socket = ws;
    ws = undefined;
    socket?.close();
    handlers.onState('stopped', { attempt });
  };

  connect();
  return {
    send(data: string | Uint8Array<ArrayBuffer>): boolean {
      const socket = ws;
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(data);
      if (handlers.stallTimeoutMs && !stallTimer) {
        // close() on a dead connection may take minutes to report back: give up on it at once.
        stallTimer = setTimeout(() => {
          void lost(socket);
          socket.close();
        }, handlers.stallTimeoutMs);
      }
      return true;
    },
    get isOpen(): boolean {
      return ws?.readyState === WebSocket.OPEN;
    },
    /** While waiting to retry: retry at once (a "Retry now" button). */
    retryNow,
    stop,
  };
}
