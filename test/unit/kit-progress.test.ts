import { describe, expect, it } from 'vitest';
import { progressBoard } from '../../sandbox-server/sandboxes/kit/progress.ts';

function fakeTerminal() {
  const writes: string[] = [];
  return { writes, stream: { isTTY: true, columns: 80, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream };
}

describe('the kit progress board', () => {
  it('on a terminal: one line per item, redrawn in place with its step and elapsed time', () => {
    let now = 0;
    const terminal = fakeTerminal();
    const lines: string[] = [];
    const board = progressBoard((line) => lines.push(line), { terminal: terminal.stream, now: () => now });
    board.update('busybox', 'step 1/3 FROM base');
    board.update('node', 'step 1/4 FROM base');
    now = 41_000;
    board.update('busybox', 'step 3/3 RUN install');
    board.done('node', 'built');
    board.close();
    expect(lines).toEqual([]);
    const last = terminal.writes.at(-1) as string;
    expect(last.startsWith('\x1b[2F')).toBe(true);
    expect(last).toContain('busybox: step 3/3 RUN install (41 s)\n');
    expect(last).toContain('node: built (41 s)\n');
  });

  it('elsewhere: one line per item when it is done, and nothing step by step', () => {
    let now = 0;
    const lines: string[] = [];
    const board = progressBoard((line) => lines.push(line), { now: () => now });
    board.update('busybox', 'step 1/3 FROM base');
    board.update('busybox', 'step 2/3 COPY');
    now = 3_000;
    board.done('busybox', 'built');
    board.close();
    expect(lines).toEqual(['busybox: built (3 s)']);
  });
});
