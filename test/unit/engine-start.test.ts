// The Docker Engine that `npm start` launches outlives Dockhand: Ctrl-C (SIGINT to the terminal's
// foreground process group) or SIGTERM to Dockhand's group never reaches it. A stand-in dockerd that,
// like the real one, ends on SIGINT and SIGTERM is launched by the script's own start_dockerd.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/dockhand.sh');
let dir = '';
let launcher: ChildProcess | undefined;
let fakePid = 0;

afterEach(() => {
  if (fakePid) killQuietly(fakePid);
  if (launcher?.pid) killQuietly(-launcher.pid);
  rmSync(dir, { recursive: true, force: true });
  fakePid = 0;
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Field 6 of /proc/PID/stat: the session id. */
const sessionOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[3]);

describe('the engine npm start launches', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`runs in its own session and survives ${signal} to Dockhand's process group`, async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-dockerd-'));
      writeFileSync(
        path.join(dir, 'dockerd'),
        `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(path.join(dir, 'pid'))}, String(process.pid));\nfor (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => process.exit(1));\nsetInterval(() => {}, 1000);\n`,
        { mode: 0o755 },
      );
      // Dockhand as a terminal runs it: a process group of its own, the script's start_dockerd inside.
      const body = `source <(sed -n '/^start_dockerd()/,/^}/p' ${SCRIPT}); start_dockerd; sleep 60`;
      launcher = spawn('bash', ['-c', body], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, DOCKERD_LOG: path.join(dir, 'log') },
      });
      const group = launcher.pid as number;
      await expect.poll(() => readFileSync(path.join(dir, 'pid'), { encoding: 'utf8', flag: 'a+' }), { timeout: 10_000 }).not.toBe('');
      fakePid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
      expect(sessionOf(fakePid)).not.toBe(sessionOf(group));
      process.kill(-group, signal);
      await expect.poll(() => alive(group), { timeout: 10_000 }).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(alive(fakePid)).toBe(true);
    });
  }
});
