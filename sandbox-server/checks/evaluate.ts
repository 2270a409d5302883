// Evaluates checks and whole exercises. A check's own `message` replaces the generated sentence.
import type { Check, Exercise } from '../course/types.ts';
import { InnerEngineError } from '../sandboxes/inner-engine.ts';
import { checkContainer } from './container.ts';
import type { CheckContext, CheckResult } from './context.ts';
import { checkFile } from './file.ts';
import { checkHttp } from './http.ts';
import { checkImage } from './image.ts';
import { checkNetwork } from './network.ts';
import { checkRegistry } from './registry.ts';
import { checkScript } from './script.ts';
import { checkVolume } from './volume.ts';

export async function evaluateCheck(check: Check, ctx: CheckContext): Promise<CheckResult> {
  const result = await dispatch(check, ctx);
  return !result.passed && check.message ? { passed: false, message: check.message } : result;
}

function dispatch(check: Check, ctx: CheckContext): Promise<CheckResult> {
  switch (check.kind) {
    case 'container':
      return checkContainer(check, ctx);
    case 'image':
      return checkImage(check, ctx);
    case 'volume':
      return checkVolume(check, ctx);
    case 'network':
      return checkNetwork(check, ctx);
    case 'http':
      return checkHttp(check, ctx);
    case 'registry':
      return checkRegistry(check, ctx);
    case 'file':
      return checkFile(check, ctx);
    case 'script':
      return checkScript(check, ctx);
  }
}

/** Every check must pass; the first one that does not says what is missing. */
export async function evaluateExercise(exercise: Exercise, ctx: CheckContext): Promise<CheckResult> {
  for (const check of exercise.checks) {
    const result = await evaluateCheck(check, ctx).catch((error: Error) => ({
      passed: false,
      message:
        error instanceof InnerEngineError
          ? `The check could not read your engine: ${error.message}`
          : `The check could not look at your sandbox (${error.message}); try again in a moment.`,
    }));
    if (!result.passed) return result;
  }
  return { passed: true, message: 'Done: everything this exercise asks for is in place.' };
}
