// registry checks: a tag present in a registry the learner runs, asked through the registry's own API.
import type { RegistryCheck } from '../course/types.ts';
import { type CheckContext, type CheckResult, fail, pass } from './context.ts';
import { fetchInSandbox } from './http.ts';

export async function checkRegistry(check: RegistryCheck, ctx: CheckContext): Promise<CheckResult> {
  const where = `the registry at ${check.registry}`;
  const response = await fetchInSandbox(ctx, `http://${check.registry}/v2/${check.repository}/tags/list`);
  if (response.status === 0)
    return fail(`Nothing answers at ${check.registry}; is your registry container running with its port published?`);
  if (response.status === 404) return fail(`${capitalise(where)} has no repository ${check.repository} yet.`);
  if (response.status !== 200) return fail(`${capitalise(where)} answered with status ${response.status}.`);
  let tags: string[] = [];
  try {
    tags = (JSON.parse(response.body) as { tags?: string[] | null }).tags ?? [];
  } catch {
    return fail(`${capitalise(where)} did not answer like a Docker registry.`);
  }
  if (!tags.includes(check.tag)) {
    return fail(
      `${capitalise(where)} has ${check.repository} with ${tags.length > 0 ? `the tags ${tags.join(', ')}` : 'no tags'}, but not ${check.tag}.`,
    );
  }
  return pass();
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
