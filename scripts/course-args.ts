// `--course <folder>` for the lessons scripts: the course to work on (else DOCKHAND_COURSE, else
// lessons/). A relative folder is taken from where the script runs (npm runs it in the checkout).
import path from 'node:path';
import { courseDirIn } from '../sandbox-server/course/load.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The course folder, and the arguments that are the script's own. */
export function courseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { courseDir: string; rest: string[] } {
  const rest: string[] = [];
  let chosen: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--course' || arg.startsWith('--course=')) {
      chosen = arg === '--course' ? argv[++index] : arg.slice('--course='.length);
      if (!chosen || chosen.startsWith('--')) throw new Error('--course needs a folder of lessons, such as --course my-course');
    } else rest.push(arg);
  }
  return { courseDir: chosen === undefined ? courseDirIn(ROOT, env) : path.resolve(chosen), rest };
}

/** courseArgs for a script's top level: a bad command line is one sentence and exit status 1. */
export function courseArgsOrExit(script: string, argv = process.argv.slice(2)): ReturnType<typeof courseArgs> {
  try {
    return courseArgs(argv);
  } catch (error) {
    console.error(`${script}: ${(error as Error).message}`);
    process.exit(1);
  }
}
