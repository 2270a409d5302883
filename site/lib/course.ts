// The course as the site sees it at build time: loaded once through the shared parser and renderer
// (never a second Markdown pipeline). Runs only in the build, never in the browser.
import path from 'node:path';
import { loadCourse } from '../../sandbox-server/course/load.ts';
import { renderLesson } from '../../sandbox-server/course/render.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';

// The build runs from the project root; the parser's own default path points into its bundled copy.
const LESSONS_DIR = path.resolve(process.cwd(), 'lessons');

let loading: Promise<Lesson[]> | undefined;

export function courseLessons(): Promise<Lesson[]> {
  loading ??= loadCourse(LESSONS_DIR).then(({ lessons, problems }) => {
    for (const problem of problems) console.warn(`lessons/${problem.file}:${problem.line}: ${problem.message}`);
    return lessons;
  });
  return loading;
}

export type { Lesson };
export { renderLesson };
