// Drives a terminal socket the way the browser does: binary frames of input, JSON text frames for
// control, binary frames of output. For tests and the benchmark.
import WebSocket, { type ClientOptions } from 'ws';
import { TERMINAL_INPUT_FRAME } from '../../sandbox-server/protocol/limits.ts';

/** Unread output beyond this is trimmed to its last KEPT_UNREAD_CHARS: a flood must not fill memory or slow each search. */
const MAX_UNREAD_CHARS = 1024 * 1024;
const KEPT_UNREAD_CHARS = 64 * 1024;

export type Closed = { code: number; reason: string };

export type TerminalClient = {
  socket: WebSocket;
  /** Output bytes received so far. */
  bytesReceived(): number;
  /** Resolves with the first match in the output not yet consumed by an earlier waitFor, and consumes up to it. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Forgets the output received so far, so the next waitFor sees only what comes after. */
  discard(): void;
  /** Resolves once no output has arrived for quietMs (e.g. a redraw has finished). */
  settle(quietMs?: number): Promise<void>;
  /** Terminal input, as binary frames of at most TERMINAL_INPUT_FRAME. */
  send(input: string | Buffer): void;
  /** A raw text frame (control messages, or anything a test wants to throw at the server). */
  sendText(text: string): void;
  resize(cols: number, rows: number): void;
  /** Error messages ({"type":"error"}) received so far, and a wait for the next one. */
  errors: string[];
  nextError(timeoutMs?: number): Promise<string>;
  closed: Promise<Closed>;
  close(): Promise<Closed>;
};

export async function connectTerminal(url: string, options: ClientOptions = {}): Promise<TerminalClient> {
  const socket = new WebSocket(url, options);
  const decoder = new TextDecoder();
  let unread = '';
  let received = 0;
  let lastOutputAt = performance.now();
  const errors: string[] = [];
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const waker of [...wakers]) waker();
  };
  const closed = new Promise<Closed>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      wake();
    });
  });
  socket.on('error', () => {});
  socket.on('message', (data: Buffer, isBinary) => {
    if (isBinary) {
      received += data.length;
      lastOutputAt = performance.now();
      unread += decoder.decode(data, { stream: true });
      if (unread.length > MAX_UNREAD_CHARS) unread = unread.slice(-KEPT_UNREAD_CHARS);
    } else {
      const message = JSON.parse(data.toString()) as { type?: string; error?: string };
      if (message.type === 'error') errors.push(String(message.error));
    }
    wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`the terminal socket was refused: ${response.statusCode}`)),
    );
  });

  const until = <T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value !== undefined) {
          finish();
          resolve(value);
        } else if (socket.readyState === WebSocket.CLOSED) {
          finish();
          reject(new Error(`the terminal socket closed while waiting for ${describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${describe()} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        wakers.delete(attempt);
      };
      wakers.add(attempt);
      attempt();
    });

  return {
    socket,
    bytesReceived: () => received,
    waitFor(pattern, timeoutMs = 15_000) {
      return until(
        () => {
          const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(unread);
          if (!match) return undefined;
          unread = unread.slice(match.index + match[0].length);
          return match;
        },
        timeoutMs,
        () => `output matching ${pattern} (unread tail: ${JSON.stringify(unread.slice(-300))})`,
      );
    },
    discard() {
      unread = '';
    },
    async settle(quietMs = 150) {
      for (;;) {
        const quietFor = performance.now() - lastOutputAt;
        if (quietFor >= quietMs) return;
        await new Promise((resolve) => setTimeout(resolve, quietMs - quietFor));
      }
    },
    send(input) {
      const bytes = typeof input === 'string' ? Buffer.from(input) : input;
      for (let offset = 0; offset < bytes.length; offset += TERMINAL_INPUT_FRAME) {
        socket.send(bytes.subarray(offset, offset + TERMINAL_INPUT_FRAME), { binary: true });
      }
    },
    sendText(text) {
      socket.send(text, { binary: false });
    },
    resize(cols, rows) {
      socket.send(JSON.stringify({ type: 'resize', cols, rows }), { binary: false });
    },
    errors,
    nextError(timeoutMs = 5_000) {
      const seen = errors.length;
      return until(
        () => errors[seen],
        timeoutMs,
        () => 'error message',
      );
    },
    closed,
    close() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close(1000);
      return closed;
    },
  };
}

/**
 * Keystroke echo round trips: types one printable character at a time at a shell prompt, gapMs apart
 * as a person types (back-to-back keys come back faster than typed ones), and times how long each takes
 * to come back. Clears the line afterwards.
 */
export async function measureKeystrokeEcho(client: TerminalClient, count: number, gapMs = 50): Promise<number[]> {
  const samples: number[] = [];
  const keys = 'abcdefghijklmnopqrstuvwxyz';
  await client.settle();
  for (let index = 0; index < count; index++) {
    const key = keys[index % keys.length] as string;
    client.discard();
    const started = performance.now();
    client.send(key);
    await client.waitFor(new RegExp(key));
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  // Ctrl-U clears what was typed.
  client.send('\x15');
  return samples;
}

/** The p-th percentile (nearest rank) of some measurements. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
