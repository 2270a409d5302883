// Builds one recipe into an image, unless an image built from the same recipe already exists: the image
// carries a content hash of its recipe (every file in its folder plus the base image id) as a label.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Engine, followStream, unlessMissing } from '../docker.ts';
import { repoTag } from '../image-ref.ts';
import { LABEL } from '../labels.ts';
import { BASE_IMAGE, type KitImage, RECIPES_DIR } from './images.ts';
import type { Progress } from './progress.ts';

export type BuildResult = { id: string; cached: boolean };

export async function recipeHash(recipe: string, baseId: string): Promise<string> {
  const dir = path.join(RECIPES_DIR, recipe);
  const hash = createHash('sha256').update(`base ${baseId}\n`);
  for (const file of (await readdir(dir)).sort()) {
    hash.update(`file ${file}\n`).update(await readFile(path.join(dir, file)));
  }
  return hash.digest('hex').slice(0, 32);
}

export async function buildKitImage(engine: Engine, image: KitImage, baseId: string, progress: Progress): Promise<BuildResult> {
  const hash = await recipeHash(image.recipe, baseId);
  const primary = image.tags[0] as string;
  const current = await unlessMissing(engine.getImage(primary).inspect());
  if (current?.Config?.Labels?.[LABEL.recipe] === hash) {
    await tagAll(engine, current.Id, image.tags);
    return { id: current.Id, cached: true };
  }
  const dir = path.join(RECIPES_DIR, image.recipe);
  const stream = await engine.buildImage(
    { context: dir, src: await readdir(dir) },
    { t: primary, buildargs: { BASE: BASE_IMAGE }, labels: { [LABEL.recipe]: hash }, rm: true, forcerm: true, pull: false },
  );
  await followStream(engine, stream, (event) => {
    const line = event.stream?.trim();
    if (line?.startsWith('Step ')) progress(line);
  });
  const built = await engine.getImage(primary).inspect();
  await tagAll(engine, built.Id, image.tags);
  return { id: built.Id, cached: false };
}

async function tagAll(engine: Engine, id: string, tags: string[]): Promise<void> {
  for (const ref of tags) await engine.getImage(id).tag(repoTag(ref));
}
