// `npm run lessons:check`: validates every lesson with the same parser the site and the server use and
// prints each problem as `file:line: message`. Exits 1 when there is any problem. An optional argument
// names another lessons directory.
import path from 'node:path';
import { LESSONS_DIR, loadCourse } from '../sandbox-server/course/load.ts';

const dir = path.resolve(process.argv[2] ?? LESSONS_DIR);
const course = await loadCourse(dir).catch((error: Error) => {
  console.error(`lessons:check: ${error.message}`);
  process.exit(1);
});

for (const problem of course.problems) {
  console.log(`${path.relative(process.cwd(), path.join(dir, problem.file))}:${problem.line}: ${problem.message}`);
}
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const exercises = course.lessons.reduce((sum, lesson) => sum + lesson.exercises.length, 0);
const counts = `${plural(course.lessons.length, 'lesson')}, ${plural(exercises, 'exercise')}`;
if (course.problems.length === 0) console.log(`${counts}, no problems`);
else {
  const files = new Set(course.problems.map((problem) => problem.file)).size;
  console.log(`${plural(course.problems.length, 'problem')} in ${plural(files, 'file')} (valid: ${counts}); fix them and run this again`);
  process.exitCode = 1;
}
