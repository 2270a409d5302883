// The instructor dashboard's per-lesson state (site/scripts/instructor/lesson-summary.ts), without a browser.
import { describe, expect, it } from 'vitest';
import type { ExerciseColumn, ParticipantProgress, WorkshopProgress } from '../../sandbox-server/protocol/workshops.ts';
import { currentLesson, finishedCounts, lessonGroups, passedIn } from '../../site/scripts/instructor/lesson-summary.ts';

const column = (lesson: string, exercise: string): ExerciseColumn => ({ key: `${lesson}/${exercise}`, lesson, exercise, title: exercise });
const columns = [column('hello', 'a'), column('hello', 'b'), column('volumes', 'c'), column('networks', 'd'), column('networks', 'e')];

function person(name: string, passes: Record<string, string>): ParticipantProgress {
  const exercises = Object.fromEntries(Object.entries(passes).map(([key, at]) => [key, { passed: true, at }]));
  return {
    participantId: name,
    sessionId: name,
    name,
    state: 'active',
    joinedAt: '2026-12-06T09:00:00Z',
    exercises,
    passed: Object.keys(passes).length,
    checksFailed: 0,
    hintsUsed: 0,
    solutionsRevealed: 0,
    lastProgressAt: '2026-12-06T09:00:00Z',
    stuck: null,
  };
}

describe("the dashboard's lesson summary", () => {
  const groups = lessonGroups(columns);

  it('groups the exercise columns by lesson, in order, numbered from 1', () => {
    expect(groups.map((group) => [group.number, group.lesson, group.exercises.length])).toEqual([
      [1, 'hello', 2],
      [2, 'volumes', 1],
      [3, 'networks', 2],
    ]);
  });

  it('places each person in the lesson of their latest pass, or the next unfinished one once it is done', () => {
    const [hello, volumes, networks] = groups as [(typeof groups)[0], (typeof groups)[0], (typeof groups)[0]];
    expect(currentLesson(groups, person('new', {}))?.lesson).toBe('hello');
    expect(currentLesson(groups, person('mid', { 'hello/a': '09:01' }))?.lesson).toBe('hello');
    expect(currentLesson(groups, person('next', { 'hello/a': '09:01', 'hello/b': '09:02' }))?.lesson).toBe('volumes');
    // Jumped ahead, then back: the latest pass says where they are.
    const jumper = person('jumper', { 'networks/d': '09:05', 'hello/a': '09:09' });
    expect(currentLesson(groups, jumper)?.lesson).toBe('hello');
    // Done with the last lesson but not an earlier one: back to the earliest unfinished.
    const back = person('back', { 'networks/d': '09:05', 'networks/e': '09:06', 'hello/a': '09:01', 'hello/b': '09:02' });
    expect(currentLesson(groups, back)?.lesson).toBe('volumes');
    const all = person('all', Object.fromEntries(columns.map((each, index) => [each.key, `09:1${index}`])));
    expect(currentLesson(groups, all)).toBeUndefined();
    expect(passedIn(hello, jumper)).toBe(1);
    expect(passedIn(volumes, jumper)).toBe(0);
    expect(passedIn(networks, jumper)).toBe(1);
  });

  it('counts who finished each lesson, and not who passed only some of it', () => {
    const progress: WorkshopProgress = {
      code: 'ABC',
      title: 'room',
      exercises: columns,
      participants: [
        person('one', { 'hello/a': '1', 'hello/b': '2', 'volumes/c': '3' }),
        person('two', { 'hello/a': '1' }),
        person('three', { 'hello/a': '1', 'hello/b': '2', 'networks/d': '3', 'networks/e': '4' }),
      ],
    };
    expect(finishedCounts(progress).map(({ group, finished }) => [group.lesson, finished])).toEqual([
      ['hello', 2],
      ['volumes', 1],
      ['networks', 1],
    ]);
  });
});
