// network checks: a network exists (or not), with a driver and the containers attached to it.
import type { NetworkCheck } from '../course/types.ts';
import { type CheckContext, type CheckResult, fail, pass } from './context.ts';

export async function checkNetwork(check: NetworkCheck, ctx: CheckContext): Promise<CheckResult> {
  const info = await ctx.engine.network(check.name);
  if (!info) {
    return check.exists === false ? pass() : fail(`There is no network named ${check.name} yet (\`docker network ls\` lists them).`);
  }
  if (check.exists === false) return fail(`The network ${check.name} still exists.`);
  if (check.driver && info.Driver !== check.driver)
    return fail(`The network ${check.name} uses the ${info.Driver} driver, not ${check.driver}.`);
  const attached = new Set(Object.values(info.Containers).map((container) => container.Name));
  const missing = (check.containers ?? []).filter((name) => !attached.has(name));
  if (missing.length > 0) return fail(`The container ${missing[0]} is not attached to the network ${check.name} (or is not running).`);
  return pass();
}
