// The Debian base image. Pulled from Docker Hub when it answers; otherwise made offline from Debian's
// package mirror with `mmdebstrap --variant=minbase` and imported into the engine. mmdebstrap rather
// than debootstrap: it installs through apt and dpkg instead of shell loops (measured here: 26-39 s
// instead of 44-54 s for the base every long recipe waits for), and leaves no package lists behind.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Engine, followStream, imageId, unlessMissing } from '../docker.ts';
import { repoTag } from '../image-ref.ts';
import { LABEL } from '../labels.ts';
import { recipeHash } from './build.ts';
import { baseImage, RECIPES_DIR, type Suite } from './images.ts';
import type { Progress } from './progress.ts';

const DEBIAN_MIRROR = process.env.DOCKHAND_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

export type BaseSource = 'cached' | 'pulled' | 'mmdebstrap';

/** The recipe folder of the bases: the setup hook that gives them Docker Hub's apt and dpkg settings. */
const BASE_RECIPE = 'base';
const SETUP_HOOK = path.join(RECIPES_DIR, BASE_RECIPE, 'apt-config.sh');
/**
 * Our hook runs before any package is installed, so its dpkg and apt settings already apply to them.
 * maybe-merged-usr (a hook Debian's mmdebstrap ships) merges /usr as debootstrap does where base-files
 * does not yet (bookworm); without it bookworm's base pulls in usrmerge and perl, 47 MB more than Hub's.
 */
const MMDEBSTRAP_OPTIONS = ['--variant=minbase', '--hook-dir=/usr/share/mmdebstrap/hooks/maybe-merged-usr'];

export async function ensureBaseImage(engine: Engine, suite: Suite, progress: Progress): Promise<{ id: string; source: BaseSource }> {
  const image = baseImage(suite);
  // The hook's content is in the hash (it is the recipe folder), its path is not: every clone shares a kit.
  const hash = await recipeHash(BASE_RECIPE, `debian ${suite} ${MMDEBSTRAP_OPTIONS.join(' ')}`);
  const existing = await unlessMissing(engine.getImage(image).inspect());
  // A pulled base (it has a registry digest) is Docker Hub's own; a made one is current if its recipe is.
  if (existing && (existing.Config?.Labels?.[LABEL.recipe] === hash || (existing.RepoDigests ?? []).length > 0)) {
    return { id: existing.Id, source: 'cached' };
  }
  if (await tryPull(engine, `debian:${suite}`, progress)) {
    await engine.getImage(`debian:${suite}`).tag(repoTag(image));
    return { id: (await imageId(engine, image)) as string, source: 'pulled' };
  }
  await mmdebstrapImport(engine, suite, hash, progress);
  return { id: (await imageId(engine, image)) as string, source: 'mmdebstrap' };
}

export const HUB_REGISTRY = 'https://registry-1.docker.io';

/** Whether Docker Hub answers at all (any HTTP status: its /v2/ wants a login). Offline, DNS fails at once. */
export async function hubReachable(): Promise<boolean> {
  try {
    await fetch(`${HUB_REGISTRY}/v2/`, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

/** Pulls an image; false when the registry cannot be reached (the offline case), so callers build instead. */
export async function tryPull(engine: Engine, ref: string, progress: Progress): Promise<boolean> {
  try {
    const stream = await engine.pull(ref);
    await followStream(engine, stream);
    progress(`pulled ${ref}`);
    return true;
  } catch (error) {
    progress(`cannot pull ${ref} (${firstLine(error)}); building it locally instead`);
    return false;
  }
}

async function mmdebstrapImport(engine: Engine, suite: Suite, hash: string, progress: Progress): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-rootfs-'));
  const tarball = path.join(dir, `${suite}.tar`);
  try {
    progress(`mmdebstrap ${suite} (minbase) from ${DEBIAN_MIRROR}`);
    const args = [...MMDEBSTRAP_OPTIONS, `--setup-hook=sh '${SETUP_HOOK}' "$1"`, suite, tarball, DEBIAN_MIRROR];
    await run('mmdebstrap', args, progress).catch((error: Error) => {
      throw new Error(
        `mmdebstrap failed: ${error.message}. It needs root (or user namespaces) and ${DEBIAN_MIRROR}: install it with \`apt-get install mmdebstrap\` and run as root, or import a kit with \`npm run images:import\`.`,
      );
    });
    progress(`importing the rootfs as ${baseImage(suite)}`);
    const { repo, tag } = repoTag(baseImage(suite));
    const changes = [`LABEL ${LABEL.recipe}=${hash}`];
    await followStream(engine, await engine.importImage(createReadStream(tarball), { repo, tag, changes }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], progress: Progress): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastLines: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lastLines = [...lastLines.slice(-4), line];
        if (line.startsWith('I: ')) progress(line.slice(3));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}: ${lastLines.join(' | ')}`))));
  });
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';
}
