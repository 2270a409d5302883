// What learners may see of a lesson. Built field by field (never by spreading a Lesson), so a field
// added to Lesson or Exercise later stays private until it is listed here on purpose.
import type { Lesson } from './types.ts';

export type PublicExercise = { id: string; title: string; task: string; hints: string[] };
export type PublicLesson = { slug: string; title: string; order: number; summary: string; minutes: number; exercises: PublicExercise[] };

/** The lesson without checks, solutions or solve scripts: safe to send to a browser. */
export function publicLesson(lesson: Lesson): PublicLesson {
  const { slug, title, order, summary, minutes } = lesson;
  const exercises = lesson.exercises.map(({ id, title, task, hints }) => ({ id, title, task, hints: [...hints] }));
  return { slug, title, order, summary, minutes, exercises };
}
