// Every refusal the API, a WebSocket upgrade or a socket's error frame sends: `{"error": sentence,
// "code": stable-id}`. Clients decide on `code`; the sentence is for people and may change.
export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'unknown_lesson',
  'unknown_workshop',
  'method_not_allowed',
  'name_taken',
  'workshop_full',
  'session_ended',
  'workshop_ended',
  'too_large',
  'not_text',
  'read_only',
  'internal',
  'no_sandbox',
  'sandbox_unresponsive',
  'host_problem',
  'too_many_sessions',
  'rate_limited',
  'unknown_learner',
  'wrong_resume_code',
  'resume_failed',
  'foreign_origin',
  'json_required',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorBody = { error: string; code: ErrorCode };
