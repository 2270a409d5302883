// JSON responses. Every error is `{"error": "...", "code": "..."}` with a status that says whose fault it was.
import type { ServerResponse } from 'node:http';
import type { DockhandError } from '../errors.ts';
import type { ErrorBody, ErrorCode } from '../protocol/errors.ts';
import { codeOf, statusOf } from './errors.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** A refusal, with Retry-After when it lifts by itself. */
export function sendRefusal(res: ServerResponse, error: DockhandError): void {
  const retry: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  sendJson(res, statusOf(error.code), errorBody(error.message, error.code), retry);
}

/** An error with a status of its own (a preview's 502, a 500), its code the one the status means unless given. */
export function sendError(res: ServerResponse, status: number, message: string, code: ErrorCode = codeOf(status)): void {
  sendJson(res, status, errorBody(message, code));
}

export function errorBody(message: string, code: ErrorCode): ErrorBody {
  return { error: message, code };
}
