// Builds the static site when its inputs changed since the last build (content hash), so a warm start
// skips it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Progress } from './sandboxes/kit/progress.ts';

const INPUTS = ['site', 'lessons', 'astro.config.mjs', 'package-lock.json'];
const STAMP = '.dockhand-site-hash';

export async function ensureSiteBuilt(rootDir: string, progress: Progress): Promise<'cached' | 'built'> {
  const hash = await hashInputs(rootDir);
  const stampFile = path.join(rootDir, 'dist', STAMP);
  if ((await readFile(stampFile, 'utf8').catch(() => '')) === hash) return 'cached';
  progress('building the site (astro build)');
  await buildSite(rootDir);
  await writeFile(stampFile, hash);
  return 'built';
}

function buildSite(rootDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const astro = path.join(rootDir, 'node_modules', 'astro', 'bin', 'astro.mjs');
    const child = spawn(process.execPath, [astro, 'build', '--silent'], { cwd: rootDir, stdio: ['ignore', 'pipe', 'pipe'] });
    // Quiet when it works; on failure its own words say what broke.
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`astro build failed (exit ${code}):\n${output.trim()}`))));
  });
}

async function hashInputs(rootDir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await Promise.all(INPUTS.map((input) => listFiles(path.join(rootDir, input))))).flat().sort();
  for (const file of files) hash.update(`${path.relative(rootDir, file)}\n`).update(await readFile(file));
  return hash.digest('hex');
}

async function listFiles(target: string): Promise<string[]> {
  const entries = await readdir(target, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return undefined;
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (!entries) return [target];
  const nested = await Promise.all(entries.map((entry) => listFiles(path.join(target, entry.name))));
  return nested.flat();
}
