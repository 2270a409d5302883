// The JavaScript budget of a lesson page before the editor opens: the module scripts the built page
// names and everything they import statically, gzipped. Dynamic imports (the editor) are left out.
//   node site/budget.ts [dist]    prints the size per lesson page; exits 1 when one is over budget.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { init, parse } from 'es-module-lexer';

export const BUDGET_BYTES = 250 * 1024;

export type PageBudget = { page: string; files: { file: string; gzipBytes: number }[]; totalGzipBytes: number };

/** The gzip size of the JS one built page loads before any dynamic import. */
async function measurePage(distDir: string, htmlFile: string): Promise<PageBudget> {
  await init;
  const html = await readFile(htmlFile, 'utf8');
  const files: PageBudget['files'] = [];
  const seen = new Set<string>();

  const follow = async (source: string, from: string) => {
    const [imports] = parse(source);
    for (const entry of imports) {
      // d === -1: a static import; the rest are import() and import.meta.
      if (entry.d !== -1 || !entry.n) continue;
      await visit(resolveUrl(distDir, entry.n, from));
    }
  };
  const visit = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    files.push({ file: path.relative(distDir, file), gzipBytes: gzipSync(source).length });
    await follow(source, file);
  };

  for (const tag of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    const attributes = tag[1] ?? '';
    const body = tag[2] ?? '';
    if (!/type=["']?module/.test(attributes)) continue;
    const src = /\bsrc=["']([^"']+)["']/.exec(attributes)?.[1];
    if (src) await visit(resolveUrl(distDir, src, htmlFile));
    else if (body.trim()) {
      files.push({ file: `${path.relative(distDir, htmlFile)} (inline)`, gzipBytes: gzipSync(body).length });
      await follow(body, htmlFile);
    }
  }
  return { page: path.relative(distDir, htmlFile), files, totalGzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}

/** Every lesson page of a built site: dist/lessons/<slug>/index.html. */
export async function measureLessonPages(distDir: string): Promise<PageBudget[]> {
  const lessonsDir = path.join(distDir, 'lessons');
  const slugs = (await readdir(lessonsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  return Promise.all(slugs.sort().map((slug) => measurePage(distDir, path.join(lessonsDir, slug, 'index.html'))));
}

function resolveUrl(distDir: string, specifier: string, fromFile: string): string {
  const url = specifier.split(/[?#]/)[0] as string;
  return url.startsWith('/') ? path.join(distDir, url) : path.resolve(path.dirname(fromFile), url);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (import.meta.main) {
  const distDir = path.resolve(process.argv[2] ?? 'dist');
  const pages = await measureLessonPages(distDir).catch((error: Error) => {
    console.error(`cannot measure ${distDir}: ${error.message}; build the site first (npm run site:build).`);
    process.exit(2);
  });
  if (pages.length === 0) {
    console.error(`no lesson pages under ${distDir}/lessons; build the site with at least one lesson first.`);
    process.exit(2);
  }
  let over = false;
  for (const page of pages) {
    const verdict = page.totalGzipBytes > BUDGET_BYTES ? 'OVER BUDGET' : 'ok';
    over ||= page.totalGzipBytes > BUDGET_BYTES;
    console.log(`${page.page}: ${kib(page.totalGzipBytes)} gzip of JavaScript before the editor (budget ${kib(BUDGET_BYTES)}) ${verdict}`);
    for (const file of page.files) console.log(`  ${kib(file.gzipBytes).padStart(10)}  ${file.file}`);
  }
  process.exit(over ? 1 : 0);
}
