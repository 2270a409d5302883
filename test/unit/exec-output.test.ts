import { describe, expect, it } from 'vitest';
import { boundedOutput, EXEC_KEEP_BYTES, EXEC_READ_MAX_BYTES } from '../../sandbox-server/sandboxes/exec.ts';

describe("a command's output as the server keeps it", () => {
  it('keeps small output whole', () => {
    const output = boundedOutput(() => {});
    output.push(Buffer.from('hello '));
    output.push(Buffer.from('world'));
    expect(output.bytes().toString()).toBe('hello world');
    expect(output.cut()).toBe(false);
  });

  it('keeps the first and the last part of a flood, says how much was cut, and stops reading past the bound', () => {
    let stopped = 0;
    const output = boundedOutput(() => {
      stopped += 1;
    });
    output.push(Buffer.from('FIRST LINE\n'));
    const chunk = Buffer.alloc(64 * 1024, 'y');
    let pushed = 11;
    while (stopped === 0) {
      output.push(chunk);
      pushed += chunk.length;
    }
    output.push(Buffer.from('\nFAIL: the last words\n'));
    pushed += 22;
    const kept = output.bytes().toString();
    expect(output.cut()).toBe(true);
    expect(pushed).toBeGreaterThan(EXEC_READ_MAX_BYTES);
    expect(kept.startsWith('FIRST LINE\n')).toBe(true);
    expect(kept.endsWith('\nFAIL: the last words\n')).toBe(true);
    expect(kept).toMatch(/\[… \d+ or more bytes of output cut here by Dockhand …\]/);
    expect(kept.length).toBeLessThan(2 * EXEC_KEEP_BYTES + 100);
  });
});

describe('a file read through a command', () => {
  it('comes back whole up to the first bytes asked for', () => {
    const output = boundedOutput(() => {}, 1024 * 1024 + 1);
    const file = Buffer.alloc(1024 * 1024, 'f');
    for (let offset = 0; offset < file.length; offset += 65536) output.push(file.subarray(offset, offset + 65536));
    expect(output.cut()).toBe(false);
    expect(output.bytes().equals(file)).toBe(true);
  });
});
