// One browser terminal: a WebSocket joined to a tmux client exec'd in the learner's sandbox. The shell
// lives in tmux (see the sandbox image's dockhand-terminal and dockhand-shell), so closing the socket
// ends only this client: a reconnect re-attaches to the same shell and its scrollback.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { DEFAULT_PING_INTERVAL_MS, keepAlive } from '../http/keepalive.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import { errorFrame, isTerminalSize, parseControlMessage, type TerminalSize } from '../protocol/terminal.ts';
import { runAsLearner, type Sandbox, type SandboxBackend, type TerminalAttachment } from '../sandboxes/backend.ts';
import { createResizer } from './resize.ts';

export type TerminalOptions = {
  /** Which of the session's terminals (see parseTerminalWindow). */
  window: number;
  /**
   * An instructor watching: sees the shell, and every input frame is refused. Its resizes size only its
   * own view: the shell keeps the learner's size.
   */
  readOnly: boolean;
  /** Called for every frame a writable connection sends (activity, for the idle timeout). */
  onInput?: () => void;
  pingIntervalMs?: number;
  /** Size until the browser's first resize (80x24 when absent or out of range). */
  initialSize?: TerminalSize;
};

/** Output waiting in the socket beyond this pauses the shell's output until the client has read it. */
export const OUTPUT_HIGH_WATER = 1024 * 1024;
const OUTPUT_LOW_WATER = 256 * 1024;
const DEFAULT_SIZE: TerminalSize = { cols: 80, rows: 24 };

export function openTerminal(backend: SandboxBackend, sandbox: Sandbox, ws: WebSocket, options: TerminalOptions): void {
  const clientId = randomBytes(8).toString('hex');
  let attachment: TerminalAttachment | undefined;
  let stream: Duplex | undefined;
  let closed = false;
  const sendError = (error: string, code: ErrorCode) => {
    if (ws.readyState === ws.OPEN) ws.send(errorFrame(error, code));
  };
  const resizer = createResizer(
    async (size) => {
      await attachment?.resize(size);
    },
    () => sendError('the terminal could not be resized; try again.', 'internal'),
  );
  const stopPings = keepAlive(ws, options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS);

  // Input waits in the socket until the shell is attached; the few frames already read wait here.
  ws.pause();
  const early: Buffer[] = [];
  const writeInput = (bytes: Buffer) => {
    if (!stream) {
      early.push(bytes);
    } else if (!stream.write(bytes)) {
      // The shell is not keeping up: stop reading the socket until it has taken this in.
      ws.pause();
      stream.once('drain', () => ws.resume());
    }
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!options.readOnly) options.onInput?.();
    if (!isBinary) {
      const parsed = parseControlMessage(data.toString());
      if (parsed.ok) resizer.request(parsed.value);
      else sendError(parsed.error, 'bad_request');
    } else if (options.readOnly) {
      sendError('this terminal is read-only: input is not sent to the shell.', 'read_only');
    } else {
      writeInput(toBuffer(data));
    }
  });
  // 'close' follows every 'error'; the listener only keeps an error from being thrown.
  ws.on('error', () => {});

  const size = options.initialSize && isTerminalSize(options.initialSize) ? options.initialSize : DEFAULT_SIZE;
  const argv = ['dockhand-terminal', 'attach', String(options.window), String(size.cols), String(size.rows)];
  if (options.readOnly) argv.push('read-only');
  const attaching = backend
    .attachTerminal(sandbox, argv, { DOCKHAND_TERMINAL_ID: clientId })
    .then((created) => {
      attachment = created;
      const attached = created.stream;
      if (closed) {
        attached.destroy();
        return;
      }
      stream = attached;
      // Frames the socket still holds arrive after these (events come asynchronously), in order.
      ws.resume();
      for (const bytes of early.splice(0)) writeInput(bytes);
      pipeOutput(attached, ws);
      attached.on('end', () => endTerminal(ws, 1000, 'the shell ended; reconnect for a new one'));
      // 'close' follows 'end' (then the socket is already closing) and 'error'.
      attached.on('error', () => {});
      attached.on('close', () => {
        resizer.stop();
        endTerminal(ws, 1011, 'the connection to the sandbox broke; reconnect');
      });
      // Resizes wait for tmux's first output: until then the attach script may still be setting the initial size.
      attached.once('data', () => resizer.start());
    })
    .catch(() => {
      sendError('the sandbox did not start a shell; reload to try again.', 'sandbox_unresponsive');
      endTerminal(ws, 1011, 'no shell');
    });

  ws.on('close', () => {
    closed = true;
    stopPings();
    resizer.stop();
    stream?.destroy();
    // Once the client's exec has started (or failed to), so it cannot start after being told to go.
    void attaching.then(() => detach(backend, sandbox, clientId));
  });
}

/**
 * A warm sandbox's first terminal, started before anyone claims it: the learner's first attach then
 * joins a shell already at its prompt. Starting tmux and a login shell was most of what a first attach
 * cost the sandbox, and a room joining at once would start them all together. The image's
 * `dockhand-terminal first-shell` makes the session that `dockhand-terminal attach 1 …` joins (window 1
 * is tmux session "w1"); the image itself runs it as its engine starts, so this only makes sure.
 */
export async function startFirstShell(backend: SandboxBackend, sandbox: Sandbox): Promise<void> {
  const result = await runAsLearner(backend, sandbox, ['dockhand-terminal', 'first-shell'], 30_000);
  if (result.exitCode !== 0) throw new Error(`the first shell did not start: ${result.stderr.slice(0, 500)}`);
}

/** Shell output to the socket, paused while the client has not read what was already sent. */
function pipeOutput(output: Duplex, ws: WebSocket): void {
  let paused = false;
  const afterFlush = () => {
    if (paused && ws.bufferedAmount < OUTPUT_LOW_WATER) {
      paused = false;
      output.resume();
    }
  };
  output.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(chunk, { binary: true }, afterFlush);
    if (!paused && ws.bufferedAmount > OUTPUT_HIGH_WATER) {
      paused = true;
      output.pause();
    }
  });
}

function endTerminal(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
}

/** Ends this connection's tmux client: closing the exec's connection leaves a process with a tty running. */
async function detach(backend: SandboxBackend, sandbox: Sandbox, clientId: string): Promise<void> {
  try {
    await runAsLearner(backend, sandbox, ['dockhand-terminal', 'detach', clientId]);
  } catch {
    // The sandbox is gone, and the client with it.
  }
}

/**
 * Ends every terminal client in the sandbox (the shells stay). For a server that restarted: the sockets
 * of its terminals are gone, but their clients would otherwise run until the sandbox ends.
 */
export async function detachAllTerminals(backend: SandboxBackend, sandbox: Sandbox): Promise<void> {
  const result = await runAsLearner(backend, sandbox, ['dockhand-terminal', 'detach-all']);
  if (result.exitCode !== 0) throw new Error(`the terminals of sandbox ${sandbox.id} could not be closed: ${result.stderr.trim()}`);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
