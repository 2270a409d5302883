// volume checks: a named volume exists (or not), optionally holding a file with some content.
import type { VolumeCheck } from '../course/types.ts';
import { type CheckContext, type CheckResult, fail, pass, runScript } from './context.ts';

export async function checkVolume(check: VolumeCheck, ctx: CheckContext): Promise<CheckResult> {
  const mountpoint = (await ctx.engine.volume(check.name))?.Mountpoint;
  if (mountpoint === undefined) {
    return check.exists === false ? pass() : fail(`There is no volume named ${check.name} yet (\`docker volume ls\` lists them).`);
  }
  if (check.exists === false) return fail(`The volume ${check.name} still exists.`);
  if (check.holdsFile === undefined) return pass();
  const inside = check.holdsFile.replace(/^\/+/, '');
  // The rootless engine keeps volumes under the learner's own data directory, readable as the learner.
  const read = await runScript(ctx, 'test -f "$1" && head -c 65536 "$1"', `${mountpoint}/${inside}`);
  if (read.exitCode !== 0) return fail(`The volume ${check.name} holds no file ${check.holdsFile} yet.`);
  if (check.fileContains !== undefined && !read.stdout.includes(check.fileContains)) {
    return fail(`The file ${check.holdsFile} in the volume ${check.name} does not contain "${check.fileContains}".`);
  }
  return pass();
}
