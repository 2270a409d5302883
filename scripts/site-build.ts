// `npm run site:build`: builds the static site into dist/ (npm start does this itself when needed), for
// the course DOCKHAND_COURSE names, or lessons/.
import path from 'node:path';
import { courseDirIn } from '../sandbox-server/course/load.ts';
import { ensureSiteBuilt } from '../sandbox-server/site-build.ts';

const root = path.resolve(import.meta.dirname, '..');
const result = await ensureSiteBuilt(root, (line) => console.log(`dockhand: ${line}`), courseDirIn(root, process.env));
console.log(`dockhand: site ${result === 'cached' ? 'already up to date' : 'built'} in ${path.join(root, 'dist')}`);
