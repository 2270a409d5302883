// Reads a whole course from its folder (lessons/, or the one DOCKHAND_COURSE names): every *.md, plus what only shows across lessons
// (a slug or an order used twice). Only lessons without problems are returned, each slug and order once.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { imageRefs, readDiagram } from './diagrams.ts';
import { type ParsedLesson, parseLesson } from './parse.ts';
import type { Lesson, Problem } from './types.ts';

export const LESSONS_DIR = path.resolve(import.meta.dirname, '..', '..', 'lessons');

/**
 * The course folder: DOCKHAND_COURSE, relative to `root` (the checkout, where npm runs every script),
 * or `root`/lessons. The one rule for the server, the scripts and the site build.
 */
export function courseDirIn(root: string, env: NodeJS.ProcessEnv): string {
  const chosen = env.DOCKHAND_COURSE?.trim();
  return chosen ? path.resolve(root, chosen) : path.join(root, 'lessons');
}

/** `diagrams`: the SVG text of every diagram the lessons show, by its path in the course (`assets/layers.svg`). */
export type Course = { lessons: Lesson[]; problems: Problem[]; diagrams: Map<string, string> };

/** Every file under lessons/starter/, as `<slug>/<path>`. */
async function starterFiles(dir: string): Promise<Set<string>> {
  const root = path.join(dir, 'starter');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
  return new Set(files.map((file) => file.split(path.sep).join('/')));
}

async function lessonFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT')
      throw new Error(`there is no lessons directory at ${dir}: create it (it may be empty) or pass the right path.`);
    throw error;
  });
  return names.filter((name) => name.endsWith('.md')).sort();
}

/** Reports a slug or order that an earlier file already uses; true when this file is a duplicate. */
function claim(file: string, identity: ParsedLesson['identity'], owners: Map<string, string>, report: (problem: Problem) => void): boolean {
  let duplicate = false;
  for (const [what, located] of [
    ['slug', identity.slug],
    ['order', identity.order],
  ] as const) {
    if (!located) continue;
    const key = `${what} ${located.value}`;
    const owner = owners.get(key);
    if (owner === undefined) owners.set(key, file);
    else {
      report({
        file,
        line: located.line,
        message: `${what} ${JSON.stringify(located.value)} is already used by ${owner}: choose another one`,
      });
      duplicate = true;
    }
  }
  return duplicate;
}

/** `images`: what the sandbox backend offers (BackendHost.images); lessons naming others are refused. */
export async function loadCourse(dir: string = LESSONS_DIR, options: { images?: readonly string[] } = {}): Promise<Course> {
  const [files, starters] = await Promise.all([lessonFiles(dir), starterFiles(dir)]);
  const context = { images: options.images, starterExists: (slug: string, file: string) => starters.has(path.posix.join(slug, file)) };
  const lessons: Lesson[] = [];
  const problems: Problem[] = [];
  const owners = new Map<string, string>();
  const diagrams = new Map<string, string>();
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    const parsed = parseLesson(file, text, context);
    problems.push(...parsed.problems);
    const duplicate = claim(file, parsed.identity, owners, (problem) => problems.push(problem));
    const drawn = parsed.lesson ? await readDiagrams(dir, file, text, parsed.lesson, diagrams, (problem) => problems.push(problem)) : false;
    if (parsed.lesson && !duplicate && drawn) lessons.push(parsed.lesson);
  }
  lessons.sort((a, b) => a.order - b.order);
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { lessons, problems, diagrams };
}

/** Reads the diagrams a lesson shows into `diagrams`; false when one of them has a problem. */
async function readDiagrams(
  dir: string,
  file: string,
  text: string,
  lesson: Lesson,
  diagrams: Map<string, string>,
  report: (problem: Problem) => void,
): Promise<boolean> {
  // The body is the end of the file: its first line is this far down.
  const bodyLine = text.split('\n').length - lesson.body.split('\n').length + 1;
  let ok = true;
  for (const ref of imageRefs(lesson.body)) {
    const read = await readDiagram(dir, ref);
    if ('svg' in read) diagrams.set(ref.src, read.svg);
    else {
      report({ file, line: bodyLine + ref.line, message: read.problem });
      ok = false;
    }
  }
  return ok;
}
