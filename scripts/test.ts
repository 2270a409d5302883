// `npm test`: every quality gate in turn (types, lint, the suite against a real Docker Engine). Fails
// when any of them fails; the gates after a failure still run so one run shows everything.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

const gates: { name: string; command: string; args: string[] }[] = [
  { name: 'typecheck', command: bin('tsc'), args: ['--noEmit', '-p', '.'] },
  { name: 'lint', command: bin('biome'), args: ['check', '.'] },
  { name: 'lessons', command: process.execPath, args: ['scripts/lessons-check.ts'] },
  { name: 'tests', command: bin('vitest'), args: ['run', ...process.argv.slice(2)] },
  // The course tests itself (a fresh sandbox per lesson, and the walk through all of them in one), after the suite so the kit is built once.
  { name: 'course', command: process.execPath, args: ['scripts/lessons-test.ts', '--per-lesson', '--walk'] },
];

const failed: string[] = [];
for (const gate of gates) {
  console.log(`\n=== ${gate.name}: ${path.basename(gate.command)} ${gate.args.join(' ')}`);
  const started = performance.now();
  const result = spawnSync(gate.command, gate.args, { cwd: root, stdio: 'inherit' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status === 0) console.log(`=== ${gate.name}: passed in ${seconds} s`);
  else {
    console.log(`=== ${gate.name}: FAILED (exit ${result.status ?? result.signal}) after ${seconds} s`);
    failed.push(gate.name);
  }
}
console.log(failed.length === 0 ? '\nall gates passed' : `\nfailed gates: ${failed.join(', ')}`);
process.exit(failed.length === 0 ? 0 : 1);
