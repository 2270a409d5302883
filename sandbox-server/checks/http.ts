// http checks: a request made from inside the sandbox, as the learner's own curl would make it.
import type { HttpCheck } from '../course/types.ts';
import { type CheckContext, type CheckResult, fail, pass, runScript } from './context.ts';

const MARK = '__dockhand_status__';

export async function checkHttp(check: HttpCheck, ctx: CheckContext): Promise<CheckResult> {
  const response = await fetchInSandbox(ctx, check.url);
  const want = check.status ?? 200;
  if (response.status === 0) return fail(`Nothing answers at ${check.url} yet.`);
  if (response.status !== want) return fail(`${check.url} answers with status ${response.status}, not ${want}.`);
  if (check.contains !== undefined && !response.body.includes(check.contains))
    return fail(`The page at ${check.url} does not contain "${check.contains}".`);
  return pass();
}

/** status 0: no answer at all (refused, timed out). */
export async function fetchInSandbox(ctx: CheckContext, url: string): Promise<{ status: number; body: string }> {
  const result = await runScript(ctx, `curl -sS --max-time 5 --max-filesize 1048576 -w '\\n${MARK}%{http_code}' "$1" 2>/dev/null`, url);
  const at = result.stdout.lastIndexOf(`\n${MARK}`);
  if (at < 0) return { status: 0, body: '' };
  return { status: Number(result.stdout.slice(at + MARK.length + 1)) || 0, body: result.stdout.slice(0, at) };
}
