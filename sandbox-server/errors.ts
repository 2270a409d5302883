// A refusal of the domain (files, sessions, workshops, the store): a stable code and a sentence for the
// person who asked: the one kind of refusal. http/errors.ts maps codes to HTTP statuses; nothing that
// throws one knows about HTTP.
import type { ErrorCode } from './protocol/errors.ts';

export class DockhandError extends Error {
  readonly code: ErrorCode;
  /** For a refusal that lifts by itself: when to ask again. */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, message: string, retryAfterSeconds?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
