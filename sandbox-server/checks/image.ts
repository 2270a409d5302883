// image checks: a tag exists (or not) with the configuration, layers and identity the exercise asks for.
import type { ImageCheck } from '../course/types.ts';
import type { ImageDetails } from '../sandboxes/inner-engine.ts';
import { type CheckContext, type CheckResult, fail, pass } from './context.ts';

type Info = ImageDetails;

export async function checkImage(check: ImageCheck, ctx: CheckContext): Promise<CheckResult> {
  const info = await inspect(ctx, check.name);
  if (check.exists === false) return info ? fail(`The image ${check.name} still exists (\`docker images\` lists it).`) : pass();
  if (!info) return fail(`There is no image ${check.name} yet (\`docker images\` lists them).`);
  const it = `The image ${check.name}`;
  const config = info.Config;
  const list = (value: string[]) => JSON.stringify(value);
  if (check.entrypoint && list(config.Entrypoint) !== list(check.entrypoint)) {
    return fail(`${it} has the entrypoint ${list(config.Entrypoint)}, not ${list(check.entrypoint)}.`);
  }
  if (check.cmd && list(config.Cmd) !== list(check.cmd)) return fail(`${it} has the command ${list(config.Cmd)}, not ${list(check.cmd)}.`);
  for (const [key, value] of Object.entries(check.env ?? {})) {
    const entry = config.Env.find((line) => line.startsWith(`${key}=`));
    if (entry === undefined) return fail(`${it} sets no environment variable ${key}.`);
    if (entry.slice(key.length + 1) !== value) return fail(`${it} sets ${key} to "${entry.slice(key.length + 1)}", not "${value}".`);
  }
  for (const [key, value] of Object.entries(check.labels ?? {})) {
    const actual = config.Labels[key];
    if (actual === undefined) return fail(`${it} has no label ${key}.`);
    if (actual !== value) return fail(`${it} has the label ${key}="${actual}", not "${value}".`);
  }
  if (check.workdir !== undefined && (config.WorkingDir || '/') !== check.workdir) {
    return fail(`${it} works in ${config.WorkingDir || '/'}, not ${check.workdir}.`);
  }
  if (check.user !== undefined && (config.User || '') !== check.user)
    return fail(`${it} runs as "${config.User || 'root'}", not "${check.user}".`);
  for (const port of check.exposedPorts ?? []) {
    if (!Object.hasOwn(config.ExposedPorts, port)) return fail(`${it} does not declare EXPOSE ${port}.`);
  }
  const layers = info.RootFS.Layers;
  if (check.minLayers !== undefined && layers.length < check.minLayers)
    return fail(`${it} has ${layers.length} layers, fewer than ${check.minLayers}.`);
  if (check.maxLayers !== undefined && layers.length > check.maxLayers)
    return fail(`${it} has ${layers.length} layers, more than ${check.maxLayers}.`);
  if (check.sameIdAs) {
    const other = await inspect(ctx, check.sameIdAs);
    if (!other) return fail(`There is no image ${check.sameIdAs} yet.`);
    if (other.Id !== info.Id)
      return fail(`${check.name} and ${check.sameIdAs} are different images (ids ${short(info.Id)} and ${short(other.Id)}).`);
  }
  if (check.sharesLayersWith) {
    const other = await inspectOrPull(ctx, check.sharesLayersWith);
    if (!other) return fail(`There is no image ${check.sharesLayersWith} yet.`);
    const theirs = new Set(other.RootFS.Layers);
    if (!layers.some((layer) => theirs.has(layer))) return fail(`${it} shares no layer with ${check.sharesLayersWith}.`);
  }
  if (check.fromScratch !== undefined) {
    const base = await baseImageOf(ctx, info);
    if (check.fromScratch && base) return fail(`${it} is built on top of ${base}, not FROM scratch.`);
    if (!check.fromScratch && !base) return fail(`${it} is built FROM scratch, but it should start from a base image.`);
  }
  return pass();
}

async function inspect(ctx: CheckContext, ref: string): Promise<Info | undefined> {
  return ctx.engine.image(ref);
}

/**
 * The image, pulled first when it is not there: BuildKit (Docker 23 on) builds FROM an image without
 * keeping it as a tag, so the base a learner built on is often absent though its layers are in use.
 */
async function inspectOrPull(ctx: CheckContext, ref: string): Promise<Info | undefined> {
  const info = await inspect(ctx, ref);
  if (info) return info;
  // A pull that fails (no registry, an unknown name) leaves the image absent, and the inspect below says so.
  await ctx.engine.pullImage(ref).catch(() => undefined);
  return inspect(ctx, ref);
}

/** The image this one was built on: the one with the most layers that all lie under this one's (none: FROM scratch). */
async function baseImageOf(ctx: CheckContext, info: Info): Promise<string | undefined> {
  const layers = info.RootFS.Layers;
  let base: { name: string; depth: number } | undefined;
  for (const image of await ctx.engine.images()) {
    if (image.Id === info.Id) continue;
    const theirs = (await ctx.engine.image(image.Id))?.RootFS.Layers ?? [];
    const below = theirs.length > 0 && theirs.length < layers.length && theirs.every((layer, index) => layers[index] === layer);
    if (below && theirs.length > (base?.depth ?? 0)) {
      base = { name: image.RepoTags.find((tag) => tag !== '<none>:<none>') ?? short(image.Id), depth: theirs.length };
    }
  }
  return base?.name;
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
