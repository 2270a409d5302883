// Reads one lesson file into a Lesson, collecting every problem (with its file line) instead of
// stopping at the first. A lesson is returned only when its file has no problems at all, so neither
// the site nor the server ever works from a half-read lesson.
import path from 'node:path';
import { isMap, isScalar } from 'yaml';
import { z } from 'zod';
import { SLUG_PATTERN as SLUG, SLUG_WHAT } from '../protocol/limits.ts';
import { normalizeImageRef } from '../sandboxes/image-ref.ts';
import { CheckSchema, checkScope } from './checks.ts';
import { lessonMarkdown, readFenceInfo } from './fences.ts';
import type { CodeBlock, Exercise, Lesson, Problem } from './types.ts';
import {
  fields,
  lineOf,
  listOf,
  matching,
  pairOf,
  parseYaml,
  text,
  textWhere,
  validate,
  wholeNumber,
  type YamlText,
} from './yaml-schema.ts';

export type LessonContext = {
  /**
   * The images sandboxes offer, e.g. `busybox:latest`: what the sandbox backend says its sandboxes run
   * offline. Without it a lesson may name any image (the site's build: the server and lessons:check judge).
   */
  images?: readonly string[];
  /** Whether lessons/starter/<slug>/<path> is a file. */
  starterExists: (slug: string, path: string) => boolean;
};

type Located<T> = { value: T; line: number };

export type ParsedLesson = {
  lesson?: Lesson;
  problems: Problem[];
  /** Slug and order as written (even when the lesson has problems), for checks across lessons. */
  identity: { slug?: Located<string>; order?: Located<number> };
};

/** A lesson's file name: `<order>-<slug>.md`, the order perhaps zero-padded. */
export const LESSON_FILE_NAME = /^(\d+)-(.+)\.md$/;
const markdown = lessonMarkdown();

function isSafeRelativePath(file: string): boolean {
  return !path.posix.isAbsolute(file) && !file.split('/').includes('..') && !file.includes('\\');
}

export function frontMatterSchema(context: LessonContext, slug: string | undefined) {
  const offered = context.images;
  const image = textWhere((reference) =>
    !offered || offered.includes(normalizeImageRef(reference))
      ? undefined
      : `names "${reference}", which is not in the image kit (kit: ${offered.join(', ')})`,
  );
  const starterFile = textWhere((file) => {
    if (!isSafeRelativePath(file)) return 'must be a path inside lessons/starter/<slug>/ (relative, without ..)';
    if (slug !== undefined && !context.starterExists(slug, file)) return `names lessons/starter/${slug}/${file}, which does not exist`;
    return undefined;
  });
  return fields({
    /** The lesson's URL name; the file is `<order>-<slug>.md`. */
    slug: matching(SLUG, SLUG_WHAT),
    title: text(),
    /** Position in the course. */
    order: wholeNumber(1),
    summary: text(),
    /** How long the lesson takes. */
    minutes: wholeNumber(1),
    /** Every image the lesson uses; each must be in the image kit. Normalized: `busybox` becomes `busybox:latest`. */
    images: listOf(image).transform((images) => images.map(normalizeImageRef)),
    /** Paths relative to lessons/starter/<slug>/, copied into ~/workspace when the lesson opens. */
    starter: listOf(starterFile).default([]),
  });
}

export const ExerciseSchema = fields({
  id: matching(SLUG, SLUG_WHAT),
  title: text(),
  /** Markdown. */
  task: text(),
  checks: listOf(CheckSchema, 1),
  /** Markdown, revealed one at a time. */
  hints: listOf(text()).default([]),
  /** Markdown explaining the solution: never sent to learners before they ask the server for it. */
  solution: text(),
  /**
   * A script that solves the exercise in a fresh sandbox, typed as the learner from wherever they stand
   * (the course tests itself with it); shown only to a learner who asks for the solution.
   */
  solve: text(),
  /**
   * Wrong answers a sharp learner would try, each a shell script run as the learner (one script, or a
   * list): the self-test proves every one leaves the exercise failing with a helpful message. Never sent to learners.
   */
  wrong: z.preprocess((value) => (typeof value === 'string' ? [value] : value), listOf(text())).default([]),
});

type FrontMatter = {
  values?: z.output<ReturnType<typeof frontMatterSchema>>;
  identity: ParsedLesson['identity'];
};
type Split = { frontMatter?: string; body: string; bodyLine: number; problem?: string };

/** Separates the `---` front matter from the body; the YAML starts at file line 2. */
function splitFrontMatter(text: string): Split {
  const lines = text.split('\n');
  if (lines[0]?.trimEnd() !== '---') {
    return {
      body: text,
      bodyLine: 1,
      problem: 'the file must start with front matter: a --- line, the lesson fields, and a closing --- line',
    };
  }
  const close = lines.findIndex((line, index) => index > 0 && (line.trimEnd() === '---' || line.trimEnd() === '...'));
  if (close < 0)
    return { body: '', bodyLine: lines.length, problem: 'the front matter is never closed: add a --- line after the lesson fields' };
  return { frontMatter: lines.slice(1, close).join('\n'), body: lines.slice(close + 1).join('\n'), bodyLine: close + 2 };
}

function located<T>(root: unknown, key: string, yaml: YamlText, accept: (value: unknown) => value is T): Located<T> | undefined {
  const pair = pairOf(root, key);
  const value = isScalar(pair?.value) ? pair.value.value : undefined;
  return pair && accept(value) ? { value, line: lineOf(pair.key, yaml, 1) } : undefined;
}

function readFrontMatter(source: string, report: YamlText['report'], context: LessonContext): FrontMatter {
  const parsed = parseYaml(source, 2, report);
  if (!parsed) return { identity: {} };
  const { root, yaml } = parsed;
  if (!isMap(root)) {
    report(1, 'the front matter must be YAML fields (slug, title, order, summary, minutes, images)');
    return { identity: {} };
  }
  const identity = {
    slug: located(root, 'slug', yaml, (value): value is string => typeof value === 'string'),
    order: located(root, 'order', yaml, (value): value is number => typeof value === 'number'),
  };
  // Starter paths live under the slug's folder, so they can only be checked against a valid slug.
  const slug = identity.slug && SLUG.test(identity.slug.value) ? identity.slug.value : undefined;
  const values = validate(frontMatterSchema(context, slug), root, { yaml, line: 1, where: 'front matter' });
  return { values, identity };
}

/** The file name must be `<order>-<slug>.md` (order may be zero-padded) and agree with the front matter. */
function checkFileName(file: string, identity: ParsedLesson['identity'], report: YamlText['report']): void {
  const name = path.basename(file);
  const match = LESSON_FILE_NAME.exec(name);
  if (!match) {
    report(1, `the file name must be <order>-<slug>.md, such as 01-hello-world.md, not ${name}`);
    return;
  }
  const { slug, order } = identity;
  if (slug && slug.value !== match[2]) report(slug.line, `slug "${slug.value}" does not match the file name ${name}: rename one of them`);
  if (order && order.value !== Number(match[1]))
    report(order.line, `order ${order.value} does not match the file name ${name}: rename one of them`);
}

function readExercise(source: string, fenceLine: number, report: YamlText['report']): { exercise?: Exercise; idLine: number } {
  const parsed = parseYaml(source, fenceLine + 1, report);
  if (!parsed) return { idLine: fenceLine };
  const { root, yaml } = parsed;
  const id = isMap(root) ? located(root, 'id', yaml, (value): value is string => typeof value === 'string') : undefined;
  const where = id ? `exercise "${id.value}"` : 'exercise';
  const values = validate(ExerciseSchema, root, { yaml, line: fenceLine, where, scope: checkScope });
  return { exercise: values && { ...values, line: fenceLine }, idLine: id?.line ?? fenceLine };
}

export function parseLesson(file: string, text: string, context: LessonContext): ParsedLesson {
  const problems: Problem[] = [];
  const report = (line: number, message: string) => problems.push({ file, line, message });
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');

  const split = splitFrontMatter(source);
  if (split.problem) report(1, split.problem);
  const frontMatter = split.frontMatter === undefined ? { identity: {} } : readFrontMatter(split.frontMatter, report, context);
  checkFileName(file, frontMatter.identity, report);

  const exercises: Exercise[] = [];
  const codeBlocks: CodeBlock[] = [];
  for (const token of markdown.parse(split.body, {})) {
    if (token.type !== 'fence' && token.type !== 'code_block') continue;
    const line = split.bodyLine + (token.map?.[0] ?? 0);
    const info = readFenceInfo(token.type === 'fence' ? token.info : '');
    for (const problem of info.problems) report(line, problem);
    if (info.kind === 'exercise') {
      const { exercise, idLine } = readExercise(token.content, line, report);
      const earlier = exercise && exercises.find((other) => other.id === exercise.id);
      if (exercise && earlier) report(idLine, `exercise id "${exercise.id}" is already used by the exercise at line ${earlier.line}`);
      else if (exercise) exercises.push(exercise);
      continue;
    }
    const { lang, exec, interrupt, terminal } = info;
    codeBlocks.push({ lang, exec, interrupt, terminal, code: token.content.replace(/\n$/, ''), line });
  }

  const values = frontMatter.values;
  if (problems.length > 0 || !values) return { problems, identity: frontMatter.identity };
  const { slug, title, order, summary, minutes } = values;
  const lesson: Lesson = {
    slug,
    title,
    order,
    summary,
    minutes,
    images: values.images,
    starter: values.starter,
    file,
    body: split.body,
    exercises,
    codeBlocks,
  };
  return { lesson, problems, identity: frontMatter.identity };
}
