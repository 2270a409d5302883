// Refusals as HTTP. Every refusal is a DockhandError (errors.ts); its code says the status, and Node's
// http.STATUS_CODES the phrase of a status line. Anything else a handler throws is a bug: a 500.
import { STATUS_CODES } from 'node:http';
import { DockhandError } from '../errors.ts';
import type { ErrorCode } from '../protocol/errors.ts';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_lesson: 404,
  unknown_workshop: 404,
  method_not_allowed: 405,
  name_taken: 409,
  workshop_full: 409,
  session_ended: 410,
  workshop_ended: 410,
  too_large: 413,
  not_text: 415,
  read_only: 403,
  internal: 500,
  no_sandbox: 503,
  sandbox_unresponsive: 503,
  host_problem: 503,
  too_many_sessions: 429,
  rate_limited: 429,
  unknown_learner: 401,
  wrong_resume_code: 401,
  // The learner's kept disk did not start; the host is fine (a fresh start would work).
  resume_failed: 409,
  foreign_origin: 403,
  json_required: 415,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** The code a status means when nothing more precise is said: the first listed above for it (else internal: a preview's 502 or 504). */
export function codeOf(status: number): ErrorCode {
  return (Object.keys(STATUS) as ErrorCode[]).find((code) => STATUS[code] === status) ?? 'internal';
}

/** "404 Not Found": a status line's status and phrase. */
export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
}

/** What a client is told of a bug (a 500): its message may name paths, addresses or internals, so it goes to the log only. */
export const INTERNAL_ERROR = 'something went wrong inside Dockhand; try again, and tell whoever runs it if it keeps happening';

/** The refusal a handler threw, or undefined for a bug (a 500 whose message stays in the log). */
export function refusalOf(error: unknown): DockhandError | undefined {
  return error instanceof DockhandError ? error : undefined;
}
