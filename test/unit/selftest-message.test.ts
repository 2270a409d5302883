import { describe, expect, it } from 'vitest';
import { unhelpfulMessage } from '../../sandbox-server/checks/selftest.ts';

describe('unhelpfulMessage (what lessons:test accepts as the sentence a wrong answer leaves)', () => {
  it('accepts a sentence about the learner’s work', () => {
    expect(unhelpfulMessage('The container greeter exited with code 0, not 1.')).toBeNull();
    expect(unhelpfulMessage('There is no image hello:v1 yet (`docker images` lists them).')).toBeNull();
  });

  it('refuses silence, the checker’s own trouble, a script check without a FAIL line, and raw data', () => {
    expect(unhelpfulMessage('  ')).toBe('it says nothing');
    expect(unhelpfulMessage('The check could not look at your sandbox (socket hang up); try again in a moment.')).toMatch(
      /^the check itself broke/,
    );
    expect(unhelpfulMessage('Not done yet (the check script exited with code 1).')).toMatch(/without a FAIL: line/);
    expect(unhelpfulMessage('{"message":"No such container"}')).toMatch(/^it is raw data/);
    expect(unhelpfulMessage('Error: boom\n    at run (/srv/x.ts:1:2)')).toMatch(/^it is raw data/);
  });
});
