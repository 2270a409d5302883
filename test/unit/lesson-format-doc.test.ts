// The examples in docs/lesson-format.md are read by lesson authors: each must be what the parser accepts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CheckSchema } from '../../sandbox-server/course/checks.ts';

const DOC = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'docs', 'lesson-format.md'), 'utf8');

describe('docs/lesson-format.md', () => {
  it('shows only checks that the parser accepts, one of every kind', () => {
    const section = DOC.split('## Checks by example')[1] ?? '';
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const { checks } = parse(yaml) as { checks: unknown[] };
    for (const check of checks) expect(CheckSchema.safeParse(check).error, JSON.stringify(check)).toBeUndefined();
    const kinds = new Set(checks.map((check) => (check as { kind: string }).kind));
    expect([...kinds].sort()).toEqual(['container', 'file', 'http', 'image', 'network', 'registry', 'script', 'volume']);
  });
});
