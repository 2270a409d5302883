// Builds one recipe into an image, unless an image built from the same recipe already exists: the image
// carries a content hash of its recipe (every file in its folder, the base image id and the versions of
// the npm packages it copies in) as a label. Built with the host engine's classic builder, which every
// engine from 20.10 on has.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { type Engine, followStream, unlessMissing } from '../docker.ts';
import { repoTag } from '../image-ref.ts';
import { LABEL } from '../labels.ts';
import { type KitImage, RECIPES_DIR } from './images.ts';

export type BuildResult = { id: string; cached: boolean };
/** Called as the builder starts each Dockerfile step ("Step 3/7 : RUN …"). */
export type OnStep = (step: number, steps: number, instruction: string) => void;

export async function recipeHash(recipe: string, baseId: string, packages: readonly string[] = []): Promise<string> {
  const dir = path.join(RECIPES_DIR, recipe);
  const hash = createHash('sha256').update(`base ${baseId}\n`);
  for (const file of (await readdir(dir)).sort()) {
    hash.update(`file ${file}\n`).update(await readFile(path.join(dir, file)));
  }
  // A published version's files never change, so its version stands for them.
  for (const name of packages) hash.update(`package ${name} ${(await packageJson(name)).version}\n`);
  return hash.digest('hex').slice(0, 32);
}

const requireHere = createRequire(import.meta.url);

function packageDir(name: string): string {
  try {
    return path.dirname(requireHere.resolve(`${name}/package.json`));
  } catch {
    throw new Error(`the image kit copies the npm package "${name}" from Dockhand's install, which lacks it: run \`npm ci\`.`);
  }
}

async function packageJson(name: string): Promise<{ version: string }> {
  return JSON.parse(await readFile(path.join(packageDir(name), 'package.json'), 'utf8'));
}

/**
 * The folder the builder gets: the recipe's own, or, for a recipe that copies npm packages in, a
 * temporary copy of it with each package beside the Dockerfile (symlinks kept as they are: npm's
 * `.bin` links are relative).
 */
async function withContext<T>(image: KitImage, build: (dir: string) => Promise<T>): Promise<T> {
  const recipeDir = path.join(RECIPES_DIR, image.recipe);
  if (!image.packages?.length) return build(recipeDir);
  const dir = await mkdtemp(path.join(os.tmpdir(), `dockhand-${image.recipe}-`));
  try {
    await cp(recipeDir, dir, { recursive: true });
    for (const name of image.packages) {
      await cp(packageDir(name), path.join(dir, name), { recursive: true, verbatimSymlinks: true });
    }
    return await build(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function buildKitImage(engine: Engine, image: KitImage, baseId: string, onStep: OnStep): Promise<BuildResult> {
  const hash = await recipeHash(image.recipe, baseId, image.packages);
  const primary = image.tags[0] as string;
  const current = await unlessMissing(engine.getImage(primary).inspect());
  if (current?.Config?.Labels?.[LABEL.recipe] === hash) {
    await tagAll(engine, current.Id, image.tags);
    return { id: current.Id, cached: true };
  }
  // Step lines become progress; the last lines of output say why a failed build failed.
  let tail: string[] = [];
  await withContext(image, async (dir) => {
    const stream = await engine.buildImage(
      { context: dir, src: await readdir(dir) },
      { t: primary, buildargs: { BASE: image.base }, labels: { [LABEL.recipe]: hash }, rm: true, forcerm: true, pull: false },
    );
    await followStream(engine, stream, (event) => {
      const line = event.stream?.trim() ?? '';
      const step = /^Step (\d+)\/(\d+) : (.*)/.exec(line);
      if (step) onStep(Number(step[1]), Number(step[2]), step[3] as string);
      if (line) tail = [...tail.slice(-7), line];
    });
  }).catch((error: Error) => {
    throw new Error(`building ${primary} (sandboxes/images/${image.recipe}) failed: ${error.message}\n${tail.join('\n')}`);
  });
  const built = await engine.getImage(primary).inspect();
  await tagAll(engine, built.Id, image.tags);
  // The last build of this recipe has lost its tags: it goes, unless something still uses it.
  if (current && current.Id !== built.Id)
    await engine
      .getImage(current.Id)
      .remove({ noprune: false })
      .catch(() => {});
  return { id: built.Id, cached: false };
}

async function tagAll(engine: Engine, id: string, tags: string[]): Promise<void> {
  for (const ref of tags) await engine.getImage(id).tag(repoTag(ref));
}
