// The course as the site sees it at build time: loaded once through the shared parser and renderer
// (never a second Markdown pipeline). Runs only in the build, never in the browser.
import path from 'node:path';
import { courseDirIn, loadCourse } from '../../sandbox-server/course/load.ts';
import { renderLesson } from '../../sandbox-server/course/render.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';

// The build runs from the project root (the parser's own default path points into its bundled copy),
// and shows the course DOCKHAND_COURSE names, as the server does.
const COURSE_DIR = courseDirIn(process.cwd(), process.env);

let loading: Promise<Lesson[]> | undefined;

export function courseLessons(): Promise<Lesson[]> {
  loading ??= loadCourse(COURSE_DIR).then(({ lessons, problems }) => {
    for (const problem of problems) console.warn(`${path.join(COURSE_DIR, problem.file)}:${problem.line}: ${problem.message}`);
    return lessons;
  });
  return loading;
}

export type { Lesson };
export { renderLesson };
