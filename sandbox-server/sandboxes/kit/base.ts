// The Debian base image. Pulled from Docker Hub when it answers; otherwise made offline from Debian's
// package mirror with `debootstrap --variant=minbase` and imported into the engine.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Engine, followStream, imageId } from '../docker.ts';
import { repoTag } from '../image-ref.ts';
import { baseImage, type Suite } from './images.ts';
import type { Progress } from './progress.ts';

const DEBIAN_MIRROR = process.env.DOCKHAND_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

export type BaseSource = 'cached' | 'pulled' | 'debootstrap';

export async function ensureBaseImage(engine: Engine, suite: Suite, progress: Progress): Promise<{ id: string; source: BaseSource }> {
  const image = baseImage(suite);
  const existing = await imageId(engine, image);
  if (existing) return { id: existing, source: 'cached' };
  if (await tryPull(engine, `debian:${suite}`, progress)) {
    await engine.getImage(`debian:${suite}`).tag(repoTag(image));
    return { id: (await imageId(engine, image)) as string, source: 'pulled' };
  }
  await debootstrapImport(engine, suite, progress);
  return { id: (await imageId(engine, image)) as string, source: 'debootstrap' };
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

async function debootstrapImport(engine: Engine, suite: Suite, progress: Progress): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'Docker Hub is unreachable and the offline Debian base needs debootstrap as root: run as root, or import a kit with `npm run images:import`.',
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-rootfs-'));
  try {
    progress(`debootstrap ${suite} (minbase) from ${DEBIAN_MIRROR}`);
    await run('debootstrap', ['--variant=minbase', suite, dir, DEBIAN_MIRROR], progress).catch((error: Error) => {
      throw new Error(
        `debootstrap failed: ${error.message}. Install it with \`apt-get install debootstrap\` and check that ${DEBIAN_MIRROR} is reachable.`,
      );
    });
    await rm(path.join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
    await rm(path.join(dir, 'var/lib/apt/lists'), { recursive: true, force: true });
    // As in Debian's own Docker images: no fsync after every file dpkg unpacks. An image build that
    // crashes is thrown away anyway.
    await writeFile(path.join(dir, 'etc/dpkg/dpkg.cfg.d/docker-apt-speedup'), 'force-unsafe-io\n');
    progress(`importing the rootfs as ${baseImage(suite)}`);
    const tar = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const { repo, tag } = repoTag(baseImage(suite));
    const stream = await engine.importImage(tar.stdout, { repo, tag });
    await followStream(engine, stream);
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
        if (/^I: (Retrieving|Validating|Extracting|Installing|Configuring|Base system)/.test(line) && !/Retrieving|Validating/.test(line)) {
          progress(line.slice(3));
        }
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
