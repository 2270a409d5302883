// `npm run bench`: measured figures, printed. Not part of `npm test` (this machine is noisy; compare
// variants as ratios within one run). Runs as its own Dockhand instance and removes all it made.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { type Config, loadConfig } from '../sandbox-server/config.ts';
import { runAsLearner, type Sandbox, type SandboxBackend } from '../sandbox-server/sandboxes/backend.ts';
import { createDindBackend } from '../sandbox-server/sandboxes/dind.ts';
import { connectHostEngine, type Engine } from '../sandbox-server/sandboxes/docker.ts';
import { prepareSandboxHost, type SandboxHost, sandboxOptions } from '../sandbox-server/sandboxes/host.ts';
import { SANDBOX_IMAGE } from '../sandbox-server/sandboxes/kit/images.ts';
import { labelsFor, resourceName } from '../sandbox-server/sandboxes/labels.ts';
import { describeSandbox } from '../sandbox-server/sandboxes/sandbox.ts';
import { type Dockhand, startDockhand } from '../sandbox-server/server.ts';
import { sessionSocketUrl } from '../test/support/api.ts';
import { reapSandboxes, removeEverything } from '../test/support/cleanup.ts';
import { connectTerminal, measureKeystrokeEcho, percentile } from '../test/support/terminal-client.ts';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 20);
/** The sandbox image before Debian 13 (Docker 20.10), compared with the current one where it is present. */
const OLD_SANDBOX_IMAGE = process.env.BENCH_OLD_IMAGE ?? 'dockhand/sandbox:latest';
/** `npm run bench -- images` runs only the old-vs-new image comparison. */
const ONLY_IMAGES = process.argv.includes('images');
/** `npm run bench -- starts` runs only the cold starts of each image (BENCH_STARTS of them, default 10). */
const ONLY_STARTS = process.argv.includes('starts');
const STARTS = Number(process.env.BENCH_STARTS ?? 10);
const ROOM = Number(process.env.BENCH_ROOM ?? 20);
const PROMPT = /workspace\S*\$ /;
const engine = connectHostEngine();
const stateRoot = mkdtempSync(path.join(os.tmpdir(), 'dockhand-bench-'));
const ADMIN = 'bench-admin-token-0123456789';

// DOCKHAND_BENCH_INSTANCE / DOCKHAND_BENCH_SUBNET let two benches share one engine.
const INSTANCE = process.env.DOCKHAND_BENCH_INSTANCE ?? 'bench';

function configFor(name: string, env: NodeJS.ProcessEnv): Config {
  return loadConfig({
    DOCKHAND_INSTANCE: INSTANCE,
    DOCKHAND_SUBNET: process.env.DOCKHAND_BENCH_SUBNET ?? '172.31.215.0/24',
    DOCKHAND_BRIDGE: `dh-${INSTANCE}`.slice(0, 15),
    DOCKHAND_STATE_DIR: path.join(stateRoot, name),
    DOCKHAND_ADMIN_TOKEN: ADMIN,
    // The bench is one client that starts many sessions, 20 of them at once for the hot start.
    DOCKHAND_SESSIONS_PER_CLIENT: '1000',
    DOCKHAND_SESSIONS_PER_MINUTE: '100000',
    PORT: '0',
    ...env,
  });
}

const ms = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms (n=${values.length})`;
const say = (line: string) => console.log(line);

async function post(base: string, pathname: string, body: unknown, token?: string) {
  const response = await fetch(`${base}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${pathname} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string; token: string; code: string };
}

/** POST /api/sessions, open the terminal, wait for the prompt: milliseconds. */
async function sessionToPrompt(base: string, body: unknown = {}): Promise<number> {
  const started = performance.now();
  const created = await post(base, '/api/sessions', body);
  const terminal = await connectTerminal(
    await sessionSocketUrl(base, created.id, created.token, `/ws/sessions/${created.id}/terminal?window=1`),
  );
  await terminal.waitFor(PROMPT, 60_000);
  const elapsed = performance.now() - started;
  await terminal.close();
  await fetch(`${base}/api/sessions/${created.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${created.token}` } });
  return elapsed;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the pool');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function withDockhand<T>(name: string, env: NodeJS.ProcessEnv, run: (dockhand: Dockhand) => Promise<T>): Promise<T> {
  const dockhand = await startDockhand(configFor(name, env), () => {});
  try {
    return await run(dockhand);
  } finally {
    await dockhand.close();
    await reapSandboxes(engine, configFor(name, env));
  }
}

/**
 * The naive way: a fresh Docker-in-Docker container per request, polled with `docker info` until its
 * daemon answers, then a shell. No pool, no socket on the host, no readiness signal.
 */
async function naiveToPrompt(host: Engine, network: string): Promise<number> {
  const started = performance.now();
  const name = resourceName(INSTANCE, 'naive', String(Math.random()).slice(2, 10));
  const container = await host.createContainer({
    name,
    Image: SANDBOX_IMAGE,
    Labels: labelsFor(INSTANCE, 'sandbox'),
    HostConfig: {
      CapAdd: ['SYS_ADMIN'],
      SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
      MaskedPaths: [],
      ReadonlyPaths: [],
      Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
      Tmpfs: { '/home/learner/.local/share/docker': 'uid=1000,gid=1000', '/run/user/1000': 'uid=1000,gid=1000,mode=700' },
      NetworkMode: network,
    },
  });
  try {
    await container.start();
    for (;;) {
      const exec = await container.exec({ Cmd: ['docker', 'info'], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({});
      await new Promise((resolve) => stream.on('end', resolve).resume());
      if ((await exec.inspect()).ExitCode === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const shell = await container.exec({ Cmd: ['bash', '-i'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true });
    const stream = await shell.start({ hijack: true, stdin: true, Tty: true });
    await new Promise<void>((resolve) => {
      let seen = '';
      stream.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/\$ /.test(seen)) resolve();
      });
    });
    const elapsed = performance.now() - started;
    stream.destroy();
    return elapsed;
  } finally {
    await container.remove({ force: true, v: true });
  }
}

/** Memory the sandbox's cgroup charges once its engine is up and idle (cgroup v1 usage minus page cache). */
async function idleMemory(host: Engine, containerName: string): Promise<number> {
  const stats = (await host.getContainer(containerName).stats({ stream: false })) as {
    memory_stats: { usage: number; stats?: { cache?: number } };
  };
  return stats.memory_stats.usage - (stats.memory_stats.stats?.cache ?? 0);
}

/** Seconds a command takes in the sandbox as the learner; fails the bench if it fails. */
async function timed(backend: SandboxBackend, sandbox: Sandbox, script: string): Promise<number> {
  const started = performance.now();
  const result = await runAsLearner(backend, sandbox, ['sh', '-c', script]);
  if (result.exitCode !== 0) throw new Error(`${script} failed: ${result.stderr.slice(-500)}`);
  return (performance.now() - started) / 1000;
}

/** Keystroke echo in the sandbox's tmux through a plain `docker exec` (the same for both images: no server). */
async function execEcho(containerName: string, count: number): Promise<number[]> {
  const exec = await engine.getContainer(containerName).exec({
    Cmd: ['dockhand-terminal', 'attach', '9', '100', '30'],
    Env: ['DOCKHAND_TERMINAL_ID=bench'],
    User: '1000:1000',
    AttachStdin: true,
    AttachStdout: true,
    Tty: true,
  });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
  let seen = '';
  let wake = () => {};
  stream.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    wake();
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      wake = () => pattern.test(seen) && resolve();
      wake();
    });
  await waitFor(PROMPT);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    seen = '';
    const started = performance.now();
    stream.write('x');
    await waitFor(/x/);
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  stream.write('\x15exit\r');
  stream.destroy();
  return samples;
}

const COMPOSE = 'services:\n  web:\n    image: nginx\n  cache:\n    image: redis\n';
const DOCKERFILE = 'FROM busybox\nRUN echo built > /built\nCMD ["cat", "/built"]\n';

/** The sandbox image before and after the move to Debian 13, on the same host, mirror and network. */
async function compareImages(host: SandboxHost, setup: Config): Promise<void> {
  const images = [
    { label: 'old (Debian 12, Docker 20.10)', image: OLD_SANDBOX_IMAGE },
    { label: 'new (Debian 13, Docker 26)', image: SANDBOX_IMAGE },
  ];
  const rows: string[][] = [];
  for (const { label, image } of images) {
    const present = await engine
      .getImage(image)
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (!present) {
      say(`${label}: ${image} is not on this engine, not compared`);
      continue;
    }
    const options = { ...sandboxOptions(setup, host), image };
    const backend = createDindBackend(engine, options);
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const started = performance.now();
      const sandbox = await backend.start();
      starts.push(performance.now() - started);
      await backend.destroy(sandbox);
    }
    if (ONLY_STARTS) {
      rows.push([label, `${percentile(starts, 50).toFixed(0)} / ${percentile(starts, 95).toFixed(0)} ms`]);
      continue;
    }
    const sandbox = await backend.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const { containerName } = describeSandbox(options, sandbox.id);
      const idle = await idleMemory(engine, containerName);
      const run = await timed(backend, sandbox, 'docker run --rm busybox true');
      const version = (await runAsLearner(backend, sandbox, ['docker', 'version', '--format', '{{.Server.Version}}'])).stdout.trim();
      // Docker 20.10 has BuildKit too, only not by default, and rootless it fails to mount: then the legacy builder.
      const build = (buildkit: 0 | 1) =>
        `mkdir -p ~/b && printf '${DOCKERFILE}' > ~/b/Dockerfile && DOCKER_BUILDKIT=${buildkit} docker build -q -t b ~/b`;
      const buildkit = (await runAsLearner(backend, sandbox, ['sh', '-c', build(1)])).exitCode === 0 ? 1 : 0;
      await runAsLearner(backend, sandbox, ['docker', 'builder', 'prune', '-af']);
      await runAsLearner(backend, sandbox, ['docker', 'rmi', 'b']);
      const cold = await timed(backend, sandbox, build(buildkit));
      const cached = await timed(backend, sandbox, build(buildkit));
      const hasCompose = (await runAsLearner(backend, sandbox, ['docker', 'compose', 'version'])).exitCode === 0;
      const compose = hasCompose
        ? `${(await timed(backend, sandbox, `mkdir -p ~/c && cd ~/c && printf '${COMPOSE}' > compose.yaml && docker compose up -d --quiet-pull 2>/dev/null && test "$(docker compose ps -q --status running | wc -l)" = 2`)).toFixed(2)} s`
        : 'no compose';
      const echo = await execEcho(containerName, 50);
      rows.push([
        `${label}, engine ${version}`,
        `${percentile(starts, 50).toFixed(0)} / ${percentile(starts, 95).toFixed(0)} ms`,
        `${(idle / 1024 ** 2).toFixed(0)} MiB`,
        `${run.toFixed(2)} s`,
        `${cold.toFixed(2)} s / ${cached.toFixed(2)} s (${buildkit ? 'BuildKit' : 'legacy builder'})`,
        compose,
        `${percentile(echo, 50).toFixed(1)} / ${percentile(echo, 95).toFixed(1)} ms`,
      ]);
    } finally {
      await backend.destroy(sandbox);
    }
  }
  const header = [
    'sandbox image',
    'start to engine p50/p95',
    'idle memory',
    'first docker run busybox',
    'build cold / cached',
    'compose up (2 services)',
    'keystroke echo p50/p95',
  ].slice(0, ONLY_STARTS ? 2 : undefined);
  say(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) say(`| ${row.join(' | ')} |`);
}

async function main(): Promise<void> {
  say(`Dockhand benchmark — ${new Date().toISOString()}, ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`);
  const setup = configFor('setup', {});
  await removeEverything(engine, setup);
  const host = await prepareSandboxHost(engine, setup, () => {});

  // 0. The sandbox image, old and new.
  say(
    `load average ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}`,
  );
  await compareImages(host, setup);
  if (ONLY_IMAGES || ONLY_STARTS) return;

  // 1. POST /api/sessions → first prompt on the terminal socket, warm pool vs no pool vs naive DinD.
  const warm = await withDockhand('warm', { DOCKHAND_POOL_SIZE: '2' }, async (dockhand) => {
    const samples: number[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      await until(() => dockhand.pool.stats().ready === 2, 60_000);
      samples.push(await sessionToPrompt(dockhand.url));
    }
    return samples;
  });
  say(`session to first prompt, warm pool:   ${ms(warm)}`);
  const cold = await withDockhand('cold', { DOCKHAND_POOL_SIZE: '0' }, async (dockhand) => {
    const samples: number[] = [];
    for (let i = 0; i < SESSIONS; i++) samples.push(await sessionToPrompt(dockhand.url));
    return samples;
  });
  say(`session to first prompt, pool off:    ${ms(cold)}`);
  const naive: number[] = [];
  for (let i = 0; i < SESSIONS; i++) naive.push(await naiveToPrompt(engine, host.network.name));
  say(`naive DinD per request to a prompt:   ${ms(naive)}`);
  say(
    `  ratios (p50): pool off / warm = ${(percentile(cold, 50) / percentile(warm, 50)).toFixed(1)}x, naive / warm = ${(percentile(naive, 50) / percentile(warm, 50)).toFixed(1)}x`,
  );

  // 2. Keystroke echo and idle memory.
  await withDockhand('echo', { DOCKHAND_POOL_SIZE: '0' }, async (dockhand) => {
    const created = await post(dockhand.url, '/api/sessions', {});
    const terminal = await connectTerminal(
      await sessionSocketUrl(dockhand.url, created.id, created.token, `/ws/sessions/${created.id}/terminal?window=1`),
    );
    await terminal.waitFor(PROMPT, 60_000);
    say(`keystroke echo round trip:            ${ms(await measureKeystrokeEcho(terminal, 100))}`);
    await terminal.close();
    const idle: number[] = [];
    const sessions = [created, await post(dockhand.url, '/api/sessions', {}), await post(dockhand.url, '/api/sessions', {})];
    await new Promise((resolve) => setTimeout(resolve, 5000));
    for (const session of sessions) {
      const live = dockhand.sessions.live(session.id);
      if (live) idle.push(await idleMemory(engine, describeSandbox(configFor('echo', {}), live.sandbox.id).containerName));
    }
    say(
      `idle memory per sandbox:              ${idle.map((bytes) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`).join(', ')} (engine up, shell open, nothing running)`,
    );
  });

  // 3. Check latency: from the learner's engine reporting a change to the result on the events socket,
  // and one on-demand check. The container `heartbeat` (lesson 1) flips between "created" and "gone",
  // two different failures, so every flip is pushed.
  await withDockhand('checks', { DOCKHAND_POOL_SIZE: '0' }, async (dockhand) => {
    const created = await post(dockhand.url, '/api/sessions', { lesson: 'hello-world' });
    const live = dockhand.sessions.live(created.id);
    if (!live) throw new Error('the session is not live');
    const results: { at: number; message: string }[] = [];
    const socket = new WebSocket(
      await sessionSocketUrl(dockhand.url, created.id, created.token, `/ws/sessions/${created.id}/events?lesson=hello-world`),
    );
    socket.on('message', (data) => {
      const event = JSON.parse(data.toString()) as { type: string; exercise?: string; message?: string };
      if (event.type === 'exercise' && event.exercise === 'heartbeat')
        results.push({ at: performance.now(), message: event.message ?? '' });
    });
    const engineEvents: number[] = [];
    const backend = createDindBackend(engine, sandboxOptions(configFor('checks', {}), host));
    const stream = await backend.innerEngine(live.sandbox).getEvents({
      filters: { type: ['container'], event: ['create', 'destroy'] },
    });
    stream.on('data', () => engineEvents.push(performance.now()));
    await until(() => results.length > 0, 30_000);
    const latency: number[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const seen = results.length;
      const sent = engineEvents.length;
      const command = i % 2 === 0 ? ['docker', 'create', '--name', 'heartbeat', 'busybox', 'sleep', '1'] : ['docker', 'rm', 'heartbeat'];
      await runAsLearner(backend, live.sandbox, command);
      await until(() => results.length > seen && engineEvents.length > sent, 30_000);
      latency.push((results[seen]?.at ?? 0) - (engineEvents[sent] ?? 0));
    }
    (stream as unknown as { destroy(): void }).destroy();
    socket.close();
    say(`live check, engine event to result:  ${ms(latency)} (includes the 300 ms debounce)`);
    const onDemand: number[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const started = performance.now();
      const response = await fetch(`${dockhand.url}/api/sessions/${created.id}/checks/hello-world/heartbeat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.token}` },
      });
      await response.json();
      onDemand.push(performance.now() - started);
    }
    say(`on-demand check (POST …/checks):     ${ms(onDemand)}`);
  });

  // 4. Hot start: a room of people joining a workshop at once, each until their prompt.
  const room = async (hot: boolean) =>
    withDockhand(hot ? 'hot' : 'cold-room', { DOCKHAND_POOL_SIZE: '0', DOCKHAND_POOL_MAX: String(ROOM) }, async (dockhand) => {
      const workshop = await post(dockhand.url, '/api/workshops', { title: 'Bench', expected: hot ? ROOM : undefined }, ADMIN);
      if (hot) await until(() => dockhand.pool.stats().ready >= ROOM, 300_000);
      const started = performance.now();
      const each = await Promise.all(
        Array.from({ length: ROOM }, (_, i) => sessionToPrompt(dockhand.url, { workshop: workshop.code, name: `learner ${i + 1}` })),
      );
      return { all: performance.now() - started, each };
    });
  const without = await room(false);
  say(`${ROOM} join at once, no hot start:      all at a prompt after ${(without.all / 1000).toFixed(1)} s; each ${ms(without.each)}`);
  const withHot = await room(true);
  say(`${ROOM} join at once, hot start:         all at a prompt after ${(withHot.all / 1000).toFixed(1)} s; each ${ms(withHot.each)}`);
  say(`  ratio (all at a prompt): ${(without.all / withHot.all).toFixed(1)}x faster with hot start`);
}

let code = 0;
try {
  await main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  code = 1;
} finally {
  await removeEverything(engine, configFor('setup', {}));
  rmSync(stateRoot, { recursive: true, force: true });
}
// Engine clients keep sockets alive for reuse; the figures are printed, so end here.
process.exit(code);
