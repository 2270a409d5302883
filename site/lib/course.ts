// The course as the site sees it at build time: loaded once through the shared parser and renderer
// (never a second Markdown pipeline). Runs only in the build, never in the browser.
import path from 'node:path';
import { type Course, courseDirIn, loadCourse } from '../../sandbox-server/course/load.ts';
import { type RenderedLesson, renderLesson as render } from '../../sandbox-server/course/render.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';

// The build runs from the project root (the parser's own default path points into its bundled copy),
// and shows the course DOCKHAND_COURSE names, as the server does.
const COURSE_DIR = courseDirIn(process.cwd(), process.env);

let loading: Promise<Course> | undefined;

function course(): Promise<Course> {
  loading ??= loadCourse(COURSE_DIR).then((loaded) => {
    for (const problem of loaded.problems) console.warn(`${path.join(COURSE_DIR, problem.file)}:${problem.line}: ${problem.message}`);
    return loaded;
  });
  return loading;
}

export async function courseLessons(): Promise<Lesson[]> {
  return (await course()).lessons;
}

/** A lesson's HTML, with the course's diagrams drawn inline. */
export async function renderLesson(lesson: Lesson): Promise<RenderedLesson> {
  return render(lesson, (await course()).diagrams);
}

export type { Lesson };
