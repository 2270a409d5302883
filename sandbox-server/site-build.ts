// Builds the static site when its inputs changed since the last build (content hash), so a warm start
// skips it. The course is an input like the site's own sources: another DOCKHAND_COURSE, or an edited
// lesson, builds again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { courseDirIn } from './course/load.ts';
import type { Progress } from './sandboxes/kit/progress.ts';

const INPUTS = ['site', 'astro.config.mjs', 'package-lock.json'];
const STAMP = '.dockhand-site-hash';

/** `courseDir`: the course the site shows (config.courseDir; the checkout's lessons/ by default). */
export async function ensureSiteBuilt(
  rootDir: string,
  progress: Progress,
  courseDir = courseDirIn(rootDir, {}),
): Promise<'cached' | 'built'> {
  const hash = await siteInputsHash(rootDir, courseDir);
  const stampFile = path.join(rootDir, 'dist', STAMP);
  // No stamp (never built, or dist/ removed) means build.
  if ((await readFile(stampFile, 'utf8').catch(() => '')) === hash) return 'cached';
  progress(`building the site (astro build) for the course in ${path.relative(rootDir, courseDir) || '.'}`);
  await buildSite(rootDir, courseDir);
  await writeFile(stampFile, hash);
  return 'built';
}

function buildSite(rootDir: string, courseDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const astro = path.join(rootDir, 'node_modules', 'astro', 'bin', 'astro.mjs');
    const child = spawn(process.execPath, [astro, 'build', '--silent'], {
      cwd: rootDir,
      // site/lib/course.ts reads the course through the same rule (courseDirIn): an absolute path leaves no doubt.
      env: { ...process.env, DOCKHAND_COURSE: courseDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

/** Every input file's path and content, and which folder is the course (two courses alike in content are still two). */
export async function siteInputsHash(rootDir: string, courseDir: string): Promise<string> {
  const hash = createHash('sha256').update(`course ${path.relative(rootDir, courseDir)}\n`);
  const inputs = [...INPUTS.map((input) => path.join(rootDir, input)), courseDir];
  const files = (await Promise.all(inputs.map((input) => listFiles(input)))).flat().sort();
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
