// An error that already knows its HTTP status and code; handlers throw it and the app turns it into JSON.
import type { ErrorCode } from '../protocol/errors.ts';

/** The code a status means when nothing more precise is said. */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'too_large',
  415: 'not_text',
  503: 'no_sandbox',
};

export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** Sent as Retry-After (a 429 or 503 that lifts by itself). */
  readonly retryAfterSeconds: number | undefined;
  constructor(status: number, message: string, code: ErrorCode = CODE_OF_STATUS[status] ?? 'internal', retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** What a client is told of a bug (a 500): its message may name paths, addresses or internals, so it goes to the log only. */
export const INTERNAL_ERROR = 'something went wrong inside Dockhand; try again, and tell whoever runs it if it keeps happening';

/** Turns an error a handler threw into the HttpError to answer with; undefined for a bug (a 500). */
export type ErrorMapper = (error: unknown) => HttpError | undefined;

export const httpErrorsOnly: ErrorMapper = (error) => (error instanceof HttpError ? error : undefined);
