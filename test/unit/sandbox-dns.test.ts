// Dockhand's DNS server for sandboxes under `mirror` egress: every question gets "no such name", and
// nothing malformed gets more than a short error back.
import { describe, expect, it } from 'vitest';
import { answerFor } from '../../sandbox-server/sandboxes/dns.ts';

/** A standard query for `name`, type A, class IN, recursion desired. */
function query(name: string, id = 0x1234, flags = 0x0100): Buffer {
  const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

describe('answerFor', () => {
  it('says no such name, as the authority, echoing the id and the question', () => {
    const asked = query('example.com');
    const answer = answerFor(asked) as Buffer;
    expect(answer.readUInt16BE(0)).toBe(0x1234);
    // QR, AA, RD (as asked), RA, NXDOMAIN.
    expect(answer.readUInt16BE(2)).toBe(0x8000 | 0x0400 | 0x0100 | 0x0080 | 3);
    expect([answer.readUInt16BE(4), answer.readUInt16BE(6), answer.readUInt16BE(8), answer.readUInt16BE(10)]).toEqual([1, 0, 0, 0]);
    expect(answer.subarray(12)).toEqual(asked.subarray(12));
  });

  it('drops the rest of the message (EDNS records) and never answers longer than the question', () => {
    const asked = Buffer.concat([query('a.test'), Buffer.alloc(11)]);
    asked.writeUInt16BE(1, 10);
    const answer = answerFor(asked) as Buffer;
    expect(answer.length).toBe(asked.length - 11);
    expect(answer.readUInt16BE(10)).toBe(0);
  });

  it('says "not implemented" to other opcodes and "format error" to a malformed question', () => {
    expect((answerFor(query('a.test', 1, 2 << 11)) as Buffer).readUInt16BE(2) & 0x0f).toBe(4);
    const compressed = query('a.test');
    compressed[12] = 0xc0;
    expect((answerFor(compressed) as Buffer).readUInt16BE(2) & 0x0f).toBe(1);
    expect((answerFor(query('a.test').subarray(0, 16)) as Buffer).readUInt16BE(4)).toBe(0);
    const long = query(Array.from({ length: 9 }, () => 'x'.repeat(60)).join('.'));
    expect((answerFor(long) as Buffer).readUInt16BE(2) & 0x0f).toBe(1);
  });

  it('sends nothing back for answers, runts and oversized messages', () => {
    expect(answerFor(query('a.test', 1, 0x8000))).toBeUndefined();
    expect(answerFor(Buffer.alloc(11))).toBeUndefined();
    expect(answerFor(Buffer.concat([query('a.test'), Buffer.alloc(5000)]))).toBeUndefined();
  });
});
