import { describe, expect, it } from 'vitest';
import { publicLesson } from '../../sandbox-server/course/public.ts';
import { parseFixture } from '../fixtures/lessons/fixtures.ts';

describe('publicLesson', () => {
  it('keeps what learners may see and drops checks, solutions and solve scripts', () => {
    const { lesson } = parseFixture('valid/01-hello-world.md');
    if (!lesson) throw new Error('the valid fixture lesson did not parse');
    const view = publicLesson(lesson);
    expect(view).toEqual({
      slug: 'hello-world',
      title: 'Hello, world',
      order: 1,
      summary: 'Run your first containers and follow them through their life.',
      minutes: 25,
      exercises: [
        {
          id: 'first-run',
          title: 'Run your first container',
          task: expect.stringContaining('Start a container named `greeter`'),
          hints: ['`docker run --name NAME IMAGE COMMAND` names the container.', 'Use <b>echo</b> to print.'],
        },
        { id: 'clean-up', title: 'Remove the container', task: 'Remove `greeter`.', hints: [] },
      ],
    });
    const json = JSON.stringify(view);
    for (const secret of [
      'SOLVE-SECRET-TOKEN',
      'WRONG-SECRET-TOKEN',
      'SOLUTION-SECRET-TOKEN',
      'docker rm greeter',
      'greeter is still there',
      'solve',
      'solution',
      'checks',
    ]) {
      expect(json).not.toContain(secret);
    }
  });
});
