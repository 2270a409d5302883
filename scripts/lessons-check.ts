// `npm run lessons:check`: validates every lesson with the same parser the site and the server use and
// prints each problem as `file:line: message`. Exits 1 when there is any problem. `--course <folder>`
// (or a bare folder) checks another course than lessons/.
import path from 'node:path';
import { loadConfig } from '../sandbox-server/config.ts';
import { loadCourse } from '../sandbox-server/course/load.ts';
import { checkReport } from '../sandbox-server/course/report.ts';
import { createBackend } from '../sandbox-server/sandboxes/create-backend.ts';
import { courseArgsOrExit } from './course-args.ts';

const args = courseArgsOrExit('lessons:check');
const dir = args.rest[0] ? path.resolve(args.rest[0]) : args.courseDir;
// Judged against the images the configured backend offers, as the server judges it.
const course = await loadCourse(dir, { images: createBackend(loadConfig()).images }).catch((error: Error) => {
  console.error(`lessons:check: ${error.message}`);
  process.exit(1);
});
const report = checkReport(course, dir, process.cwd());
for (const line of report.lines) console.log(line);
if (!report.ok) process.exitCode = 1;
