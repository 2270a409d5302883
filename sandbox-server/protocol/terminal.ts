// The terminal socket's wire format. Binary frames carry terminal bytes both ways; text frames carry JSON
// control messages: the client sends {"type":"resize","cols":C,"rows":R}, the server answers bad input
// with {"type":"error","error":"…","code":"…"} and carries on.
import { z } from 'zod';
import type { ErrorCode } from './errors.ts';
import { MAX_COLS, MAX_ROWS, TERMINAL_WINDOWS } from './limits.ts';

export type TerminalSize = { cols: number; rows: number };
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const SIZE_RULE = `resize needs whole numbers: cols from 1 to ${MAX_COLS} and rows from 1 to ${MAX_ROWS}.`;

const TerminalSizeSchema = z.object({
  cols: z.int({ error: SIZE_RULE }).min(1, SIZE_RULE).max(MAX_COLS, SIZE_RULE),
  rows: z.int({ error: SIZE_RULE }).min(1, SIZE_RULE).max(MAX_ROWS, SIZE_RULE),
});

const ControlMessageSchema = z.object({
  type: z.literal('resize', {
    error: (issue) => `unknown control message type ${JSON.stringify(issue.input)?.slice(0, 40)}; the only one is "resize".`,
  }),
  ...TerminalSizeSchema.shape,
});

export type ControlMessage = z.infer<typeof ControlMessageSchema>;

export type ErrorFrame = { type: 'error'; error: string; code: ErrorCode };

const WINDOW = /^\d{1,2}$/;

/** The `window` query parameter: absent means terminal 1. */
export function parseTerminalWindow(raw: string | null | undefined): Parsed<number> {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: 1 };
  const window = Number(raw);
  if (!WINDOW.test(raw) || window < 1 || window > TERMINAL_WINDOWS) {
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
  const parsed = ControlMessageSchema.safeParse(message);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? SIZE_RULE };
  return { ok: true, value: parsed.data };
}

export function isTerminalSize(size: { cols: unknown; rows: unknown }): size is TerminalSize {
  return TerminalSizeSchema.safeParse(size).success;
}

export function errorFrame(error: string, code: ErrorCode): string {
  const frame: ErrorFrame = { type: 'error', error, code };
  return JSON.stringify(frame);
}
