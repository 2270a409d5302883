// A workshop's progress folded by lesson: how far each participant is in each lesson, which lesson they
// are in now, and how many finished each lesson. Pure data, shared by the dashboard and the projector.
import type { ExerciseColumn, ParticipantProgress, WorkshopProgress } from './types.ts';

export type LessonGroup = { lesson: string; number: number; exercises: ExerciseColumn[] };

/** The progress columns grouped by lesson, in workshop order, numbered from 1. */
export function lessonGroups(columns: readonly ExerciseColumn[]): LessonGroup[] {
  const groups: LessonGroup[] = [];
  for (const column of columns) {
    const last = groups.at(-1);
    if (last?.lesson === column.lesson) last.exercises.push(column);
    else groups.push({ lesson: column.lesson, number: groups.length + 1, exercises: [column] });
  }
  return groups;
}

/** How many of a lesson's exercises a participant passed. */
export function passedIn(group: LessonGroup, participant: ParticipantProgress): number {
  return group.exercises.filter((column) => participant.exercises[column.key]?.passed === true).length;
}

/**
 * The lesson a participant is working in: the lesson of their latest pass, or the next unfinished one
 * after it once that lesson is done (the first lesson before any pass). Undefined once all are done.
 */
export function currentLesson(groups: readonly LessonGroup[], participant: ParticipantProgress): LessonGroup | undefined {
  let latest = -1;
  let latestAt = '';
  groups.forEach((group, index) => {
    for (const column of group.exercises) {
      const at = participant.exercises[column.key]?.at;
      if (participant.exercises[column.key]?.passed && at && at >= latestAt) {
        latest = index;
        latestAt = at;
      }
    }
  });
  const unfinished = (group: LessonGroup) => passedIn(group, participant) < group.exercises.length;
  const from = Math.max(latest, 0);
  return groups.slice(from).find(unfinished) ?? groups.slice(0, from).find(unfinished);
}

/** How many of these participants passed every exercise of the lesson. */
export function finishedLesson(group: LessonGroup, participants: readonly ParticipantProgress[]): number {
  return participants.filter((participant) => passedIn(group, participant) === group.exercises.length).length;
}

/** Per lesson, how many participants finished it. */
export function finishedCounts(progress: WorkshopProgress): { group: LessonGroup; finished: number }[] {
  return lessonGroups(progress.exercises).map((group) => ({ group, finished: finishedLesson(group, progress.participants) }));
}
