// The terminal socket's wire format. Binary frames carry terminal bytes both ways; text frames carry JSON
// control messages: the client sends {"type":"resize","cols":C,"rows":R}, the server answers bad input
// with {"type":"error","error":"…"} and carries on.

/** The WebSocket server's maxPayload for terminal sockets: larger frames close the socket with 1009. */
export const TERMINAL_MAX_PAYLOAD = 64 * 1024;
/** Clients split input (a big paste) into binary frames of at most this many bytes. */
export const TERMINAL_INPUT_FRAME = 16 * 1024;
/** A session's terminals are numbered 1 … TERMINAL_WINDOWS; each is its own shell. */
export const TERMINAL_WINDOWS = 8;
export const MAX_COLS = 1000;
export const MAX_ROWS = 500;

export type TerminalSize = { cols: number; rows: number };
export type ControlMessage = { type: 'resize' } & TerminalSize;
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The `window` query parameter: absent means terminal 1. */
export function parseTerminalWindow(raw: string | null | undefined): Parsed<number> {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: 1 };
  const window = Number(raw);
  if (!/^\d{1,2}$/.test(raw) || window < 1 || window > TERMINAL_WINDOWS) {
    return { ok: false, error: `window must be a whole number from 1 to ${TERMINAL_WINDOWS} (got "${raw.slice(0, 20)}").` };
  }
  return { ok: true, value: window };
}

export function parseControlMessage(text: string): Parsed<ControlMessage> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { ok: false, error: 'control messages are JSON text frames; send terminal input as binary frames.' };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { ok: false, error: 'a control message is a JSON object with a "type".' };
  }
  const { type, cols, rows } = message as Record<string, unknown>;
  if (type !== 'resize') {
    return { ok: false, error: `unknown control message type ${JSON.stringify(type)?.slice(0, 40)}; the only one is "resize".` };
  }
  const size = { cols, rows };
  if (!isTerminalSize(size)) {
    return { ok: false, error: `resize needs whole numbers: cols from 1 to ${MAX_COLS} and rows from 1 to ${MAX_ROWS}.` };
  }
  return { ok: true, value: { type, ...size } };
}

export function isTerminalSize(size: { cols: unknown; rows: unknown }): size is TerminalSize {
  return isWithin(size.cols, MAX_COLS) && isWithin(size.rows, MAX_ROWS);
}

export function errorFrame(error: string): string {
  return JSON.stringify({ type: 'error', error });
}

function isWithin(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}
