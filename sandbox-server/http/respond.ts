// JSON responses. Every error is `{"error": "...", "code": "..."}` with a status that says whose fault it was.
import type { ServerResponse } from 'node:http';
import type { ErrorBody, ErrorCode } from '../protocol/errors.ts';
import { HttpError } from './errors.ts';

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

export function sendError(res: ServerResponse, status: number, message: string, code?: ErrorCode): void {
  sendHttpError(res, new HttpError(status, message, code));
}

export function sendHttpError(res: ServerResponse, error: HttpError): void {
  const retry: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  sendJson(res, error.status, errorBody(error), retry);
}

export function errorBody(error: HttpError): ErrorBody {
  return { error: error.message, code: error.code };
}
