// Domain refusals as HTTP: the status each error code answers with.
import { DockhandError } from '../errors.ts';
import { type ErrorMapper, HttpError } from '../http/errors.ts';
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

export function httpError(code: ErrorCode, message: string): HttpError {
  return new HttpError(STATUS[code], message, code);
}

export const toHttpError: ErrorMapper = (error) => {
  if (error instanceof HttpError) return error;
  if (error instanceof DockhandError) return new HttpError(STATUS[error.code], error.message, error.code, error.retryAfterSeconds);
  return undefined;
};
