// Request bodies: read at most a given number of bytes, then parse. A client that sends too much gets a
// clear refusal instead of filling the server's memory.
import type { IncomingMessage } from 'node:http';
import { DockhandError } from '../errors.ts';

/** The parsed JSON body, or a refusal (too_large, or bad_request for text that is not UTF-8 JSON). */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const bytes = await readBytes(req, limitBytes);
  if (bytes === undefined) throw new DockhandError('too_large', `the request body is larger than ${formatBytes(limitBytes)}; send less.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DockhandError('bad_request', 'the request body is not UTF-8; send JSON encoded as UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DockhandError('bad_request', `the request body is not valid JSON (${(error as Error).message}); send a JSON object.`);
  }
}

/**
 * The whole body, or undefined once it exceeds the limit. The rest is then read and discarded rather than
 * the connection cut, so a client that is still sending receives the refusal.
 */
function readBytes(req: IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
      req.resume();
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes) return chunks.push(chunk);
      req.off('data', onData).resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : `${bytes} bytes`;
}
