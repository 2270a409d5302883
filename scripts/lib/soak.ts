// Learners come, use their engine (a published port, a volume, a build) and leave, many times over;
// what a long run must not grow is counted before and after: host objects of this instance (containers,
// loop devices, mounts, firewall rules, kept disks) and the server's own file descriptors and memory.
// Used by the suite's soak test and by `npm run bench -- soak`.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Config } from '../../sandbox-server/config.ts';
import { runAsLearner, type SandboxBackend } from '../../sandbox-server/sandboxes/backend.ts';
import { keptDisksDir, listKeptDisks } from '../../sandbox-server/sandboxes/disk.ts';
import type { Engine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxDirs } from '../../sandbox-server/sandboxes/host.ts';
import { labelFilter } from '../../sandbox-server/sandboxes/labels.ts';
import type { Dockhand } from '../../sandbox-server/server.ts';

const exec = promisify(execFile);

export type SoakFigures = {
  containers: number;
  loopDevices: number;
  mounts: number;
  firewallRules: number;
  keptDisks: number;
  keptBytes: number;
  fds: number;
  rssBytes: number;
};

/** What this instance holds on the host now, and what this process (the server) holds. */
export async function soakFigures(engine: Engine, config: Config): Promise<SoakFigures> {
  const containers = await engine.listContainers({ all: true, filters: labelFilter(config.instance) });
  const loops = await exec('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE']);
  const mountInfo = await readFile('/proc/self/mountinfo', 'utf8');
  // Every rule of this instance names its bridge: Docker's own for the network, and Dockhand's chains.
  const rules = await exec('iptables-save');
  const kept = await listKeptDisks(keptDisksDir(sandboxDirs(config), config.instance));
  return {
    containers: containers.length,
    loopDevices: loops.stdout.split('\n').filter((file) => file.trim().startsWith(`${config.stateDir}/`)).length,
    mounts: mountInfo.split('\n').filter((line) => (line.split(' ')[4] ?? '').startsWith(`${config.backend.runDir}/`)).length,
    firewallRules: rules.stdout.split('\n').filter((line) => line.includes(config.backend.bridgeName)).length,
    keptDisks: kept.length,
    keptBytes: kept.reduce((sum, disk) => sum + disk.bytes, 0),
    fds: (await readdir('/proc/self/fd')).length,
    rssBytes: process.memoryUsage().rss,
  };
}

async function call(base: string, method: string, pathname: string, options: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${base}${pathname}`, {
    method,
    headers: {
      // Every state-changing call is JSON, even without a body (the server refuses anything else).
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${pathname} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

/** What a learner does in the soak: a published port that answers, a volume, a build. */
const USE_THE_ENGINE = [
  'docker run -d --name web -p 8080:80 busybox httpd -f -p 80 -h /etc',
  'docker volume create soak-data && docker run --rm -v soak-data:/data busybox sh -c "echo kept > /data/f"',
  'mkdir -p ~/workspace/app && printf "FROM busybox\\nRUN echo built > /built\\n" > ~/workspace/app/Dockerfile',
  'docker build -q -t soak-image ~/workspace/app',
].join(' && ');

/**
 * One learner: comes, starts a session, uses the engine, asks for the published ports (the preview's
 * list), and leaves; every `keepEvery`th keeps their work (a kept disk, bounded by the retention policy).
 */
export async function soakLearner(dockhand: Dockhand, backend: SandboxBackend, n: number, keepEvery = 3): Promise<void> {
  const learner = await call(dockhand.url, 'POST', '/api/learners');
  const session = await call(dockhand.url, 'POST', '/api/sessions', { body: { learner: learner.token } });
  const id = session.id as string;
  const token = session.token as string;
  const used = await runAsLearner(backend, { id: (session.sandbox as { id: string }).id }, ['sh', '-c', USE_THE_ENGINE], 120_000);
  if (used.exitCode !== 0) throw new Error(`learner ${n} could not use their engine: ${used.stderr.trim()}`);
  const ports = await call(dockhand.url, 'GET', `/api/sessions/${id}/ports`, { token });
  if (!(ports.ports as { port: number }[]).some((port) => port.port === 8080)) throw new Error(`learner ${n}: port 8080 is not listed`);
  await call(dockhand.url, 'DELETE', `/api/sessions/${id}${n % keepEvery === 0 ? '?keep=work' : ''}`, { token });
}

/** Runs `count` learners, `concurrency` at a time; `onEach` after each one left (with how many have). */
export async function soak(
  dockhand: Dockhand,
  backend: SandboxBackend,
  count: number,
  concurrency: number,
  onEach: (done: number) => Promise<void> = async () => {},
): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let n = next++; n < count; n = next++) {
      await soakLearner(dockhand, backend, n);
      await onEach(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Figures as one line, for logs and the bench. */
export function formatFigures(figures: SoakFigures): string {
  return [
    `server RSS ${(figures.rssBytes / 1024 ** 2).toFixed(0)} MiB`,
    `fds ${figures.fds}`,
    `containers ${figures.containers}`,
    `loop devices ${figures.loopDevices}`,
    `mounts ${figures.mounts}`,
    `firewall rules ${figures.firewallRules}`,
    `kept disks ${figures.keptDisks} (${(figures.keptBytes / 1024 ** 2).toFixed(0)} MiB)`,
  ].join(', ');
}
