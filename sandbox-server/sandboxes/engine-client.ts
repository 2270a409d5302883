// An HTTP client of a learner's Docker Engine API that holds every answer to a bound: bytes, time,
// line length and calls in flight (the numbers are in inner-engine.ts). How a connection is made is the
// backend's (for DinD: own-socket.ts); this module only speaks the API over it.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { z } from 'zod';
import {
  ContainerDetails,
  ContainerSummary,
  ENGINE_ANSWER_MAX_BYTES,
  ENGINE_CALL_TIMEOUT_MS,
  ENGINE_CALLS_IN_FLIGHT,
  ENGINE_LINE_MAX_BYTES,
  ENGINE_LOGS_MAX_BYTES,
  ENGINE_PULL_TIMEOUT_MS,
  type EngineEvent,
  HistoryStep,
  ImageDetails,
  ImageSummary,
  type InnerEngine,
  InnerEngineError,
  NetworkDetails,
  NetworkSummary,
  VolumeList,
  VolumeSummary,
} from './inner-engine.ts';
import { OwnSocketError } from './own-socket.ts';

/** Opens a fresh connection to the engine's API, or fails within the time given. */
export type EngineConnector = (timeoutMs: number) => Promise<Duplex>;

type Call = { method?: 'GET' | 'POST'; path: string; timeoutMs?: number; maxBytes?: number };

export function createEngineClient(connect: EngineConnector): InnerEngine {
  const open = new Set<http.ClientRequest>();
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let closed = false;

  /** A slot among ENGINE_CALLS_IN_FLIGHT; a learner's burst of checks waits instead of piling up. */
  async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (inFlight >= ENGINE_CALLS_IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
      waiting.shift()?.();
    }
  }

  /** Sends a request and hands its response over once the headers are in, all within the deadline. */
  async function request(call: Call, deadline: number): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
    if (closed) throw new InnerEngineError('unreachable', 'the connection to your engine was closed.');
    const socket = await connect(Math.max(1, deadline - Date.now())).catch((error: Error) => {
      if (error instanceof OwnSocketError)
        throw new InnerEngineError(
          'refused',
          `your Docker Engine's socket is not the engine's own (${error.message}); Dockhand will not use it.`,
          {
            cause: error,
          },
        );
      throw new InnerEngineError('unreachable', 'your Docker Engine does not answer right now (is it still starting?).', { cause: error });
    });
    return new Promise((resolve, reject) => {
      const req = http.request({
        method: call.method ?? 'GET',
        path: call.path,
        headers: { Host: 'docker' },
        createConnection: () => socket as never,
      });
      open.add(req);
      req.once('close', () => open.delete(req));
      req.once('response', (res) => resolve({ res, req }));
      req.once('error', (error) =>
        reject(new InnerEngineError('unreachable', 'your Docker Engine broke off its answer.', { cause: error })),
      );
      req.end();
    });
  }

  /** request() within a time limit; a response that arrives after it is thrown away. */
  async function requestWithin(call: Call, timeoutMs: number): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
    const deadline = Date.now() + timeoutMs;
    const pending = request(call, deadline);
    try {
      return await withDeadline(pending, deadline, timeoutMs);
    } catch (error) {
      pending.then(
        (late) => late.req.destroy(),
        // Failed after the deadline as well: nothing is open, and the caller already has its error.
        () => {},
      );
      throw error;
    }
  }

  /** The whole body of one call, within its byte and time bounds. */
  async function fetchBody(call: Call): Promise<{ status: number; body: Buffer }> {
    const timeoutMs = call.timeoutMs ?? ENGINE_CALL_TIMEOUT_MS;
    const maxBytes = call.maxBytes ?? ENGINE_ANSWER_MAX_BYTES;
    let req: http.ClientRequest | undefined;
    const timer = setTimeout(() => req?.destroy(new InnerEngineError('timeout', tooSlow(timeoutMs))), timeoutMs);
    try {
      const sent = await requestWithin(call, timeoutMs);
      req = sent.req;
      const chunks: Buffer[] = [];
      let bytes = 0;
      await new Promise<void>((resolve, reject) => {
        sent.res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > maxBytes) {
            sent.req.destroy();
            reject(
              new InnerEngineError('too_large', `your Docker Engine answered with more than ${mib(maxBytes)}; Dockhand reads no more.`),
            );
            return;
          }
          chunks.push(chunk);
        });
        sent.res.once('end', resolve);
        sent.res.once('error', reject);
        sent.req.once('error', reject);
        sent.req.once('close', () => (sent.res.complete ? resolve() : reject(new InnerEngineError('timeout', tooSlow(timeoutMs)))));
      });
      return { status: sent.res.statusCode ?? 0, body: Buffer.concat(chunks) };
    } catch (error) {
      if (error instanceof InnerEngineError) throw error;
      throw new InnerEngineError('unreachable', 'your Docker Engine broke off its answer.', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** A JSON answer parsed into the fields Dockhand uses; undefined for 404 when `missingIsUndefined`. */
  async function json<T extends z.ZodType>(call: Call, schema: T, missingIsUndefined: true): Promise<z.output<T> | undefined>;
  async function json<T extends z.ZodType>(call: Call, schema: T, missingIsUndefined?: false): Promise<z.output<T>>;
  async function json<T extends z.ZodType>(call: Call, schema: T, missingIsUndefined = false): Promise<z.output<T> | undefined> {
    const { status, body } = await slot(() => fetchBody(call));
    if (status === 404 && missingIsUndefined) return undefined;
    if (status < 200 || status > 299) throw refusal(status, body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new InnerEngineError('bad_answer', 'your Docker Engine gave an answer that is not JSON.', { cause: error });
    }
    const result = schema.safeParse(parsed);
    if (!result.success)
      throw new InnerEngineError('bad_answer', "your Docker Engine's answer does not look like Docker's.", { cause: result.error });
    return result.data;
  }

  const id = (value: string) => encodeURIComponent(value);

  return {
    async ping() {
      const { status } = await slot(() => fetchBody({ path: '/_ping', maxBytes: 1024 }));
      if (status !== 200) throw new InnerEngineError('refused', `your Docker Engine answered the ping with ${status}.`);
    },
    containers: () => json({ path: '/containers/json?all=1' }, ContainerSummary.array()),
    container: (name) => json({ path: `/containers/${id(name)}/json` }, ContainerDetails, true),
    async containerLogs(container, { tail, tty }) {
      const path = `/containers/${id(container)}/logs?stdout=1&stderr=1&tail=${Math.max(0, Math.floor(tail))}`;
      const { status, body } = await slot(() => fetchBody({ path, maxBytes: ENGINE_LOGS_MAX_BYTES }));
      if (status < 200 || status > 299) throw refusal(status, body);
      return (tty ? body : demultiplex(body)).toString('utf8').trim();
    },
    images: () => json({ path: '/images/json' }, ImageSummary.array()),
    image: (ref) => json({ path: `/images/${id(ref)}/json` }, ImageDetails, true),
    imageHistory: async (image) => (await json({ path: `/images/${id(image)}/history` }, HistoryStep.array(), true)) ?? [],
    pullImage: (ref) => slot(() => pull(ref)),
    volumes: async () => (await json({ path: '/volumes' }, VolumeList)).Volumes,
    volume: (name) => json({ path: `/volumes/${id(name)}` }, VolumeSummary, true),
    networks: () => json({ path: '/networks' }, NetworkSummary.array()),
    network: (name) => json({ path: `/networks/${id(name)}` }, NetworkDetails, true),
    events(options) {
      let stopped = false;
      let req: http.ClientRequest | undefined;
      const filters = encodeURIComponent(JSON.stringify({ type: options.types }));
      const path = `/events?since=${options.since.toFixed(3)}&filters=${filters}`;
      const end = once(options.onEnd);
      requestWithin({ path }, ENGINE_CALL_TIMEOUT_MS).then(
        (sent) => {
          req = sent.req;
          if (stopped || sent.res.statusCode !== 200) {
            sent.req.destroy();
            return end(
              stopped ? undefined : new InnerEngineError('refused', `your Docker Engine refused its events (${sent.res.statusCode}).`),
            );
          }
          const lines = lineReader((line) => options.onEvent(readEvent(line)));
          sent.res.on('data', (chunk: Buffer) => {
            const problem = lines.push(chunk);
            if (problem) {
              sent.req.destroy();
              end(problem);
            }
          });
          sent.req.once('close', () => end());
          sent.res.once('error', (error) => end(error));
        },
        (error: Error) => end(error),
      );
      return {
        stop() {
          stopped = true;
          req?.destroy();
          end();
        },
      };
    },
    close() {
      closed = true;
      for (const req of open) req.destroy();
      for (const resume of waiting.splice(0)) resume();
    },
  };

  /** `docker pull`: a progress stream read line by line for an error, kept nowhere. */
  async function pull(ref: string): Promise<void> {
    const deadline = Date.now() + ENGINE_PULL_TIMEOUT_MS;
    const sent = await requestWithin({ method: 'POST', path: `/images/create?fromImage=${id(ref)}` }, ENGINE_PULL_TIMEOUT_MS);
    const timer = setTimeout(
      () => sent.req.destroy(new InnerEngineError('timeout', tooSlow(ENGINE_PULL_TIMEOUT_MS))),
      deadline - Date.now(),
    );
    try {
      if (sent.res.statusCode !== 200) {
        sent.req.destroy();
        throw new InnerEngineError('refused', `your Docker Engine could not pull ${ref} (${sent.res.statusCode}).`);
      }
      let failure: string | undefined;
      const lines = lineReader((line) => {
        const message = progressError(line);
        if (message && !failure) failure = message;
      });
      await new Promise<void>((resolve, reject) => {
        sent.res.on('data', (chunk: Buffer) => {
          const problem = lines.push(chunk);
          if (problem) {
            sent.req.destroy();
            reject(problem);
          }
        });
        sent.res.once('end', resolve);
        sent.req.once('error', reject);
        sent.req.once('close', () =>
          sent.res.complete ? resolve() : reject(new InnerEngineError('unreachable', 'your Docker Engine broke off the pull.')),
        );
      });
      if (failure) throw new InnerEngineError('refused', `your Docker Engine could not pull ${ref}: ${failure}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

function withDeadline<T>(work: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InnerEngineError('timeout', tooSlow(timeoutMs))), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const tooSlow = (timeoutMs: number) => `your Docker Engine did not answer within ${timeoutMs / 1000} s.`;
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

/** The engine's own sentence for a refusal, cut short: it is the learner's text. */
function refusal(status: number, body: Buffer): InnerEngineError {
  let message = '';
  try {
    message = String((JSON.parse(body.subarray(0, 4096).toString('utf8')) as { message?: unknown }).message ?? '');
  } catch {
    // Not JSON: the engine said no sentence of its own, and the status is said alone.
  }
  const said = message ? `: ${message.slice(0, 200)}` : '';
  return new InnerEngineError('refused', `your Docker Engine refused (${status})${said}.`);
}

/** Splits a stream into lines, each at most ENGINE_LINE_MAX_BYTES; push answers an error when one is longer. */
export function lineReader(onLine: (line: string) => void): { push(chunk: Buffer): Error | undefined } {
  let partial = '';
  return {
    push(chunk) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      if (Buffer.byteLength(partial) > ENGINE_LINE_MAX_BYTES || lines.some((line) => Buffer.byteLength(line) > ENGINE_LINE_MAX_BYTES)) {
        return new InnerEngineError('too_large', `your Docker Engine sent a line longer than ${ENGINE_LINE_MAX_BYTES / 1024} KiB.`);
      }
      for (const line of lines) if (line.trim()) onLine(line);
      return undefined;
    },
  };
}

/** An event's action and time; a line that cannot be read counts as a change (better one check too many). */
function readEvent(line: string): EngineEvent {
  try {
    const event = JSON.parse(line) as { Action?: unknown; timeNano?: unknown };
    return { action: String(event.Action ?? ''), timeNano: typeof event.timeNano === 'number' ? event.timeNano : undefined };
  } catch {
    return { action: '', timeNano: undefined };
  }
}

/** The error a pull's progress line reports; a line that is not JSON reports none (the pull's end still says how it went). */
function progressError(line: string): string | undefined {
  try {
    const event = JSON.parse(line) as { error?: unknown; errorDetail?: { message?: unknown } };
    const message = event.errorDetail?.message ?? event.error;
    return message === undefined ? undefined : String(message).slice(0, 200);
  } catch {
    return undefined;
  }
}

/**
 * Without a TTY the engine frames each chunk of output: one byte naming the stream, three zero bytes, a
 * 32-bit big-endian length, then that many bytes. A frame that runs past the end is cut there.
 */
export function demultiplex(framed: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= framed.length) {
    const length = framed.readUInt32BE(offset + 4);
    parts.push(framed.subarray(offset + 8, Math.min(framed.length, offset + 8 + length)));
    offset += 8 + length;
  }
  return Buffer.concat(parts);
}

function once<A extends unknown[]>(call: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args) => {
    if (called) return;
    called = true;
    call(...args);
  };
}
