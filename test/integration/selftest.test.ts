// lessons:test's own defences, in a real sandbox: a wrong answer that passes its exercise is a miss, and
// a solve script is typed where the learner stands (per lesson: the folder the Run blocks left the
// first terminal in; in the walk: the home folder), so a relative `cd` or path shows up as a miss.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selfTestLesson, walkCourse } from '../../sandbox-server/checks/selftest.ts';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import { testBackend } from '../support/sandbox.ts';

const course = mkdtempSync(path.join(os.tmpdir(), 'dockhand-selftest-'));
afterAll(() => rmSync(course, { recursive: true, force: true }));

const LESSON = `---
slug: probe
title: Probe
order: 1
summary: Exercises made to test the self-test.
minutes: 5
images: [busybox]
---

\`\`\`sh exec
mkdir -p ~/workspace/deep && cd ~/workspace/deep
\`\`\`

\`\`\`exercise
id: weak
title: A check a wrong answer fools
task: Make deep/here.txt say right.
checks:
  - kind: file
    path: deep/here.txt
solution: Write it.
wrong:
  - echo wrong > ~/workspace/deep/here.txt
solve: mkdir -p ~/workspace/deep && echo right > ~/workspace/deep/here.txt
\`\`\`

\`\`\`exercise
id: strict
title: A check no wrong answer fools
task: Make strict.txt say right.
checks:
  - kind: file
    path: strict.txt
    contains: right
solution: Write it.
wrong:
  - echo wrong > ~/workspace/strict.txt
solve: echo right > ../strict.txt
\`\`\`
`;

async function probeLesson() {
  writeFileSync(path.join(course, '01-probe.md'), LESSON);
  const loaded = await loadCourse(course);
  expect(loaded.problems).toEqual([]);
  return loaded.lessons;
}

describe('lessons:test', () => {
  it('reports a wrong answer that passes, and types solutions in the folder the Run blocks left', async () => {
    const [lesson] = await probeLesson();
    if (!lesson) throw new Error('the probe lesson did not load');
    const [weak, strict] = await selfTestLesson(testBackend(), lesson, course);
    expect(weak).toMatchObject({
      wrongFail: false,
      passAfter: true,
      problem: expect.stringMatching(/^wrong answer 1 \(.*\): it passes the exercise$/),
    });
    expect(strict).toMatchObject({ failBefore: true, wrongFail: true, passAfter: true, stayPassed: true, problem: null });
  });

  it('types the walk’s solutions in the home folder, where a relative path misses', async () => {
    const lessons = await probeLesson();
    const [weak, strict] = await walkCourse(testBackend(), lessons, course);
    // No Run blocks in the walk: deep/ does not exist, so the wrong answer cannot write there and the
    // absolute solve script makes it; the relative ../strict.txt, typed in the home folder, misses.
    expect(weak).toMatchObject({ wrongFail: true, passAfter: true, problem: null });
    expect(strict).toMatchObject({
      wrongFail: true,
      passAfter: false,
      problem: expect.stringMatching(/^after its solve script \(typed in ~\)/),
    });
  });
});
