// `npm run site:build`: builds the static site into dist/ (npm start does this itself when needed).
import path from 'node:path';
import { ensureSiteBuilt } from '../sandbox-server/site-build.ts';

const root = path.resolve(import.meta.dirname, '..');
const result = await ensureSiteBuilt(root, (line) => console.log(`dockhand: ${line}`));
console.log(`dockhand: site ${result === 'cached' ? 'already up to date' : 'built'} in ${path.join(root, 'dist')}`);
