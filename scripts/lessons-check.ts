// `npm run lessons:check`: validates every lesson with the same parser the site and the server use and
// prints each problem as `file:line: message`. Exits 1 when there is any problem. An optional argument
// names another lessons directory.
import path from 'node:path';
import { LESSONS_DIR, loadCourse } from '../sandbox-server/course/load.ts';
import { checkReport } from '../sandbox-server/course/report.ts';

const dir = path.resolve(process.argv[2] ?? LESSONS_DIR);
const course = await loadCourse(dir).catch((error: Error) => {
  console.error(`lessons:check: ${error.message}`);
  process.exit(1);
});
const report = checkReport(course, dir, process.cwd());
for (const line of report.lines) console.log(line);
if (!report.ok) process.exitCode = 1;
