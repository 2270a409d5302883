// file checks: a file in the learner's workspace exists (or not) with some content.
import type { FileCheck } from '../course/types.ts';
import { WORKSPACE_DIR as WORKSPACE } from '../sandboxes/learner.ts';
import { type CheckContext, type CheckResult, fail, pass, runScript } from './context.ts';

export async function checkFile(check: FileCheck, ctx: CheckContext): Promise<CheckResult> {
  const read = await runScript(ctx, 'test -f "$1" && head -c 1048576 "$1"', `${WORKSPACE}/${check.path.replace(/^\/+/, '')}`);
  const exists = read.exitCode === 0;
  if (check.exists === false) return exists ? fail(`The file ${check.path} still exists in your workspace.`) : pass();
  if (!exists) return fail(`There is no file ${check.path} in your workspace yet.`);
  if (check.contains !== undefined && !read.stdout.includes(check.contains))
    return fail(`The file ${check.path} does not contain "${check.contains}".`);
  if (check.matches !== undefined && !new RegExp(check.matches).test(read.stdout))
    return fail(`The file ${check.path} does not look as asked yet.`);
  return pass();
}
