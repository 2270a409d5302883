// What `npm run lessons:check` prints: each problem as `file:line: message` (paths relative to where it
// runs), then a summary; `ok` is false when there is any problem.
import path from 'node:path';
import type { Course } from './load.ts';

export function checkReport(course: Course, dir: string, cwd: string): { ok: boolean; lines: string[] } {
  const lines = course.problems.map((problem) => `${path.relative(cwd, path.join(dir, problem.file))}:${problem.line}: ${problem.message}`);
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const exercises = course.lessons.reduce((sum, lesson) => sum + lesson.exercises.length, 0);
  const counts = `${plural(course.lessons.length, 'lesson')}, ${plural(exercises, 'exercise')}`;
  if (course.problems.length === 0) return { ok: true, lines: [...lines, `${counts}, no problems`] };
  const files = new Set(course.problems.map((problem) => problem.file)).size;
  lines.push(`${plural(course.problems.length, 'problem')} in ${plural(files, 'file')} (valid: ${counts}); fix them and run this again`);
  return { ok: false, lines };
}
