import { describe, expect, it } from 'vitest';
import { HeaderLineEndings } from '../../sandbox-server/preview/line-endings.ts';

/** What the strict parser gets for an answer that arrives in these pieces. */
function read(...pieces: string[]): string {
  const lines = new HeaderLineEndings();
  return pieces.map((piece) => lines.next(Buffer.from(piece, 'latin1')).toString('latin1')).join('');
}

describe('header line endings from a preview app', () => {
  it('end header lines ending in a bare LF with CRLF, and leave the body alone', () => {
    expect(read('HTTP/1.0 200 OK\nContent-Type: text/plain\n\nline 1\nline 2\n')).toBe(
      'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nline 1\nline 2\n',
    );
  });
  it('leave CRLF lines as they are, also when CR and LF arrive in different pieces', () => {
    expect(read('HTTP/1.1 200 OK\r', '\nA: 1\r\n\r', '\nbody\n')).toBe('HTTP/1.1 200 OK\r\nA: 1\r\n\r\nbody\n');
    expect(read('HTTP/1.1 200 OK\n', 'A: 1\r\n\n', 'x\ny')).toBe('HTTP/1.1 200 OK\r\nA: 1\r\n\r\nx\ny');
  });
  it('leave a bare CR for the strict parser to refuse: no header line ends in a CR alone', () => {
    expect(read('HTTP/1.1 200 OK\rSet-Cookie: a=1\n\n')).toBe('HTTP/1.1 200 OK\rSet-Cookie: a=1\r\n\r\n');
  });
  it('read the header block of an interim answer and the final one, but not the bytes after a 101', () => {
    expect(read('HTTP/1.1 103 Early Hints\nLink: </a>\n\nHTTP/1.1 200 OK\nA: 1\n\nb\n')).toBe(
      'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nA: 1\r\n\r\nb\n',
    );
    expect(read('HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n\x81\x02\n\n')).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02\n\n',
    );
  });
});
