// Browsers accept an answer whose status and header lines end in a bare LF (busybox httpd's CGI
// scripts send them, as do hand-written servers); Node's strict HTTP parser refuses it with
// HPE_CR_EXPECTED. Node's only switch for that, `insecureHTTPParser`, turns on every llhttp leniency at
// once (measured on Node 24): it also accepts Transfer-Encoding together with Content-Length, bare CR as
// a line end and control characters in header values, which is exactly how one answer is read as two
// (response splitting) or framed differently by us and by the browser behind us. So the parser stays
// strict, and the connection to the app is wrapped instead: in the header block (and the blocks of 1xx
// interim answers before it) a bare LF becomes CRLF, nothing else changes. A bare CR, a bad character,
// conflicting lengths are still refused; the body and a switched protocol's bytes pass untouched.
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
/** The first bytes of a header block kept to read its status (`HTTP/1.1 100`). */
const STATUS_PREFIX = 12;

/** Reads header blocks as browsers do: a line may end in LF alone. */
export class HeaderLineEndings {
  private inHeaders = true;
  private afterCr = false;
  private lineLength = 0;
  private firstLine = true;
  /** The start of the block's first line (`HTTP/1.1 103`), to tell an interim answer. */
  private status = '';

  /** The bytes to hand the strict parser for the next bytes from the app. */
  next(chunk: Buffer): Buffer {
    if (!this.inHeaders) return chunk;
    const out = Buffer.allocUnsafe(chunk.length * 2);
    let length = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (!this.inHeaders) {
        length += chunk.copy(out, length, i);
        break;
      }
      const byte = chunk[i] as number;
      if (byte === LF) {
        if (!this.afterCr) out[length++] = CR;
        out[length++] = LF;
        this.endLine();
        continue;
      }
      if (this.firstLine && this.status.length < STATUS_PREFIX) this.status += String.fromCharCode(byte);
      out[length++] = byte;
      this.lineLength++;
      this.afterCr = byte === CR;
    }
    return out.subarray(0, length);
  }

  private endLine(): void {
    const empty = this.lineLength - (this.afterCr ? 1 : 0) === 0;
    this.firstLine = false;
    this.lineLength = 0;
    this.afterCr = false;
    if (!empty) return;
    // An interim answer (100 Continue, 103 Early Hints) is followed by another header block; anything
    // else, 101 included, by its body or the switched protocol's bytes.
    const code = Number(/^HTTP\/\d\.\d (\d{3})/.exec(this.status)?.[1]);
    if (code >= 100 && code < 200 && code !== 101) {
      this.firstLine = true;
      this.status = '';
    } else {
      this.inHeaders = false;
    }
  }
}

/** A connection to the app whose answers' header lines are read as browsers read them. */
class TolerantConnection extends Duplex {
  private readonly connection: Duplex;
  private readonly lines = new HeaderLineEndings();

  constructor(connection: Duplex) {
    super();
    this.connection = connection;
    connection.on('data', (chunk: Buffer) => {
      if (!this.push(this.lines.next(chunk))) connection.pause();
    });
    connection.on('end', () => this.push(null));
    // A clean close ends the reading side above (and this stream once both sides are done); destroying
    // it here could drop an answer the parser has not read yet.
    connection.on('error', (error) => this.destroy(error));
  }

  override _read(): void {
    this.connection.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.connection.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.connection.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.connection.destroy();
    callback(error);
  }

  // Node's HTTP client tunes its socket through these; a connection that is no TCP socket has nothing to tune.
  setNoDelay(noDelay?: boolean): this {
    if (this.connection instanceof Socket) this.connection.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    if (this.connection instanceof Socket) this.connection.setKeepAlive(enable, delay);
    return this;
  }

  setTimeout(timeout: number, callback?: () => void): this {
    if (this.connection instanceof Socket) this.connection.setTimeout(timeout, callback);
    else if (callback) this.once('timeout', callback);
    return this;
  }
}

/** The connection the backend dialled, its answers' header lines read as browsers read them. */
export function tolerantConnection(connection: Duplex): Duplex {
  return new TolerantConnection(connection);
}
