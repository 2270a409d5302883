// `npm run lessons:new -- <slug> [--course <folder>]`: writes a new lesson with one exercise into the
// course (creating the folder for a course of one's own), after every lesson already there. It passes
// lessons:check at once; its self-test fails until the exercise's solve script is written.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scaffoldLesson } from '../sandbox-server/course/scaffold.ts';
import { courseArgs } from './course-args.ts';

async function main(): Promise<void> {
  const { courseDir, rest } = courseArgs(process.argv.slice(2));
  const [slug, ...extra] = rest;
  if (!slug || extra.length > 0) throw new Error('name one new lesson: npm run lessons:new -- <slug> [--course <folder>]');
  await mkdir(courseDir, { recursive: true });
  const scaffold = scaffoldLesson(slug, await readdir(courseDir));
  const file = path.join(courseDir, scaffold.file);
  // 'wx': never overwrite a lesson someone wrote.
  await writeFile(file, scaffold.text, { flag: 'wx' });
  const course = path.relative(process.cwd(), courseDir) || '.';
  const option = course === 'lessons' ? '' : ` --course ${course}`;
  console.log(`lessons:new: wrote ${path.relative(process.cwd(), file)} (lesson ${scaffold.order}, one exercise).`);
  console.log(`  npm run lessons:check${option ? ` --${option}` : ''}    passes as it is`);
  console.log(`  npm run lessons:test --${option} ${slug}    fails until you write the exercise's solve script`);
  console.log('  docs/lesson-format.md describes every field and check.');
}

main().catch((error: Error) => {
  console.error(`lessons:new: ${error.message}`);
  process.exit(1);
});
