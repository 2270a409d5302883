// script checks, the last resort: a shell command run as the learner; exit 0 passes, FAIL: lines explain.
import type { ScriptCheck } from '../course/types.ts';
import { type CheckContext, type CheckResult, fail, pass } from './context.ts';

const TIMEOUT_SECONDS = 30;

export async function checkScript(check: ScriptCheck, ctx: CheckContext): Promise<CheckResult> {
  const result = await ctx.run(['timeout', String(TIMEOUT_SECONDS), 'bash', '-c', check.run]);
  if (result.exitCode === 0) return pass();
  const reasons = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => line.startsWith('FAIL:'))
    .map((line) => line.slice(5).trim());
  if (reasons.length > 0) return fail(reasons.join(' '));
  if (result.exitCode === 124) return fail(`The check took longer than ${TIMEOUT_SECONDS} s.`);
  return fail(`Not done yet (the check script exited with code ${result.exitCode}).`);
}
