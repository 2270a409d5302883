// The whole kit as one tar file (`docker save` format), for venues without internet: export on a
// machine that has the kit, import on the one that does not, and `npm start` finds every image cached.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Engine, followStream, imageId, saveImages } from '../docker.ts';
import { baseImage, KIT_IMAGES, SUITES } from './images.ts';
import type { Progress } from './progress.ts';

function kitRefs(): string[] {
  return [...SUITES.map(baseImage), ...KIT_IMAGES.flatMap((image) => image.tags)];
}

export async function exportKit(engine: Engine, file: string, progress: Progress, refs = kitRefs()): Promise<{ bytes: number }> {
  const missing: string[] = [];
  for (const ref of refs) if (!(await imageId(engine, ref))) missing.push(ref);
  if (missing.length > 0) throw new Error(`the kit is incomplete (missing ${missing.join(', ')}): run \`npm run images:build\` first.`);
  progress(`saving ${refs.length} tags to ${file}`);
  const stream = await saveImages(engine, refs);
  let bytes = 0;
  await pipeline(
    stream,
    counting((n) => (bytes = n), progress),
    createWriteStream(file),
  );
  return { bytes };
}

export async function importKit(engine: Engine, file: string, progress: Progress): Promise<void> {
  // Missing, or not readable: the fix is the same, as the sentence below says.
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile())
    throw new Error(`no kit archive at ${file}: make one with \`npm run images:export -- ${file}\` on a machine that has the kit.`);
  progress(`loading ${(info.size / 1024 ** 2).toFixed(0)} MiB from ${file}`);
  const stream = await engine.loadImage(createReadStream(file), { quiet: false });
  await followStream(engine, stream, (event) => {
    if (event.stream?.startsWith('Loaded image')) progress(event.stream.trim());
  });
}

/** Passes bytes through, reporting every 100 MiB. */
function counting(onTotal: (bytes: number) => void, progress: Progress): Transform {
  let total = 0;
  let reported = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      onTotal(total);
      if (total - reported >= 100 * 1024 ** 2) {
        reported = total;
        progress(`${(total / 1024 ** 2).toFixed(0)} MiB written`);
      }
      done(null, chunk);
    },
  });
}
