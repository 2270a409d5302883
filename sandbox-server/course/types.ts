// The course as data: what the one lesson parser produces for both the site and the server.
// Field names and meanings follow docs/lesson-format.md; defaults stated there are applied by whoever
// evaluates a check, so an absent field here means "the author did not say". What a lesson file states
// is typed by its schema (parse.ts, checks.ts): the schemas own those types.

import type { z } from 'zod';
import type { ExerciseSchema, frontMatterSchema } from './parse.ts';

/** Something wrong in a lesson file, at a 1-based line of that file. */
export type Problem = { file: string; line: number; message: string };

/** A lesson: its front matter as its schema gives it (parse.ts), and what the parser read from its body. */
export type Lesson = z.output<ReturnType<typeof frontMatterSchema>> & {
  /** The file name as given to parseLesson, e.g. `01-hello-world.md`. */
  file: string;
  /** The Markdown after the front matter. */
  body: string;
  exercises: Exercise[];
  /** Every code block the page shows, in order (exercise blocks are not code blocks). */
  codeBlocks: CodeBlock[];
};

/** An exercise as its schema gives it (parse.ts), placed in its file. */
export type Exercise = z.output<typeof ExerciseSchema> & {
  /** File line of the exercise's opening fence. */
  line: number;
};

export type CodeBlock = {
  /** First word of the info string (`sh`, `dockerfile`, …), empty when none. */
  lang: string;
  exec: boolean;
  interrupt: boolean;
  /** Terminal tab, 1-based (default 1). */
  terminal: number;
  /** The block's text without its final newline. */
  code: string;
  /** File line of the opening fence (or of the first line of an indented block). */
  line: number;
};

// The checks' types are their schemas' output (checks.ts), the one place a check's fields are declared.
export type {
  Check,
  CheckKind,
  ContainerCheck,
  ContainerState,
  FileCheck,
  HttpCheck,
  ImageCheck,
  MountCheck,
  NetworkCheck,
  PortCheck,
  RegistryCheck,
  RestartPolicy,
  ScriptCheck,
  VolumeCheck,
} from './checks.ts';
