// The host problems Dockhand claims to handle, simulated on the real host and put back afterwards:
// /dev/net/tun at 0600 (fixed, or named when fixing is off, then recovery), no user namespaces, the
// port in use, a DOCKER_HOST that points nowhere, and bridge names of instances that share a prefix.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Container } from 'dockerode';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../sandbox-server/config.ts';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { connectHostEngine, removeContainer, unlessMissing } from '../../sandbox-server/sandboxes/docker.ts';
import { hostTag } from '../../sandbox-server/sandboxes/kit/images.ts';
import { labelsFor } from '../../sandbox-server/sandboxes/labels.ts';
import { ensureNetwork, networkPlan, removeNetwork } from '../../sandbox-server/sandboxes/network.ts';
import { TUN_DEVICE } from '../../sandbox-server/sandboxes/preflight.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api, createSession } from '../../scripts/lib/api.ts';
import { TEST_INSTANCE, testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const execFileP = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const engine = connectHostEngine();
const stateRoot = await mkdtemp(path.join(os.tmpdir(), 'dockhand-host-'));
const originalTunMode = (await stat(TUN_DEVICE)).mode & 0o777;
let dockhand: Dockhand | undefined;

afterEach(async () => {
  await dockhand?.close();
  dockhand = undefined;
  await chmod(TUN_DEVICE, originalTunMode);
});

afterAll(async () => {
  await rm(stateRoot, { recursive: true, force: true });
});

const tunMode = async () => (await stat(TUN_DEVICE)).mode & 0o777;

async function scrape(server: Dockhand): Promise<string> {
  const response = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
  return response.text();
}

/** Runs a command to its end, failing or not: its exit code and what it printed. */
function outcome(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return execFileP(command, args, { cwd: root, env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('/dev/net/tun at 0600, as a freshly booted host has it', () => {
  it('is fixed at start, said so in the preflight, and a learner then runs a container', async () => {
    await chmod(TUN_DEVICE, 0o600);
    const lines: string[] = [];
    dockhand = await startDockhand(testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: path.join(stateRoot, 'fixed') }), (line) =>
      lines.push(line),
    );
    expect(await tunMode()).toBe(0o666);
    expect(lines.find((line) => /preflight: fixed\s+tun/.test(line))).toMatch(/was mode 0600.*set it to 0666/);
    const created = await createSession(dockhand.url);
    const session = dockhand.sessions.live(created.id);
    if (!session) throw new Error('the new session is not live');
    const run = await runAsLearner(testBackend(), session.sandbox, ['docker', 'run', '--rm', 'busybox', 'echo', 'hello']);
    expect(run).toMatchObject({ exitCode: 0, stdout: 'hello\n' });
  });

  it('with fixing off: named in health and in a 503 with code host_problem, then recovers by itself once fixed', async () => {
    await chmod(TUN_DEVICE, 0o600);
    const lines: string[] = [];
    const config = testConfig({
      DOCKHAND_FIX_HOST: 'off',
      DOCKHAND_POOL_SIZE: '1',
      DOCKHAND_POOL_RETRY_FIRST: '200ms',
      DOCKHAND_POOL_RETRY_MAX: '800ms',
      DOCKHAND_SWEEP_INTERVAL: '300ms',
      DOCKHAND_STATE_DIR: path.join(stateRoot, 'unfixed'),
    });
    try {
      dockhand = await startDockhand(config, (line) => lines.push(line));
      expect(await tunMode()).toBe(0o600);
      expect(lines.find((line) => /preflight: PROBLEM\s+tun/.test(line))).toMatch(/mode 0600: the learner \(uid 1000\) cannot open it/);

      const health = await api(dockhand.url, 'GET', '/api/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({
        ok: false,
        problems: [{ check: 'tun', fix: expect.stringMatching(/chmod 0666 \/dev\/net\/tun/) }],
      });

      const started = performance.now();
      const refused = await api(dockhand.url, 'POST', '/api/sessions', { body: {} });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'host_problem', error: expect.stringMatching(/^No sandbox can start.*\/dev\/net\/tun/) });
      // One sentence: not the entrypoint's trace.
      expect(String(refused.body.error)).not.toMatch(/rootlesskit|\+ \[|\n/);

      // The pool keeps trying, a line per failure, and prints the sandbox's trace only once.
      await expect
        .poll(() => lines.filter((line) => line.includes('sandbox start failed')).length, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(3);
      expect(lines.filter((line) => line.includes('the failed sandbox printed')).length).toBe(1);
      expect(lines.find((line) => line.includes('sandbox start failed'))).toMatch(/learner cannot open \/dev\/net\/tun/);

      // Operators see the same in /api/metrics, behind the admin token.
      expect((await fetch(`${dockhand.url}/api/metrics`)).status).toBe(401);
      const metrics = await scrape(dockhand);
      expect(metrics).toMatch(/^dockhand_host_problems 1$/m);
      expect(metrics).toMatch(/^dockhand_sandbox_starts_total\{result="failed",cause="tun"\} [3-9]\d*$/m);
      expect(metrics).toMatch(/^dockhand_pool_failures_in_a_row [1-9]\d*$/m);
    } finally {
      await chmod(TUN_DEVICE, 0o666);
    }
    const running = dockhand as Dockhand;
    await expect.poll(async () => (await api(running.url, 'GET', '/api/health')).status, { timeout: 30_000 }).toBe(200);
    await expect.poll(() => running.pool.stats().ready, { timeout: 30_000 }).toBe(1);
    expect(lines).toContain('pool: sandboxes start again');
    expect((await api(running.url, 'POST', '/api/sessions', { body: {} })).status).toBe(201);
    const metrics = await scrape(running);
    expect(metrics).toMatch(/^dockhand_host_problems 0$/m);
    expect(metrics).toMatch(/^dockhand_sandbox_starts_total\{result="ok",cause=""\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^dockhand_sandbox_start_seconds_count [1-9]\d*$/m);
    expect(metrics).toMatch(/^dockhand_sandboxes_live 1$/m);
  });
});

describe('other host problems', () => {
  it('names user.max_user_namespaces=0 with the sysctl that fixes it', async () => {
    // The knob is per user namespace: set to 0 in a namespace of the doctor's own, the host keeps its value.
    const script = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" scripts/doctor.ts';
    const doctor = await outcome('unshare', ['--user', '--map-root-user', 'sh', '-c', script, process.execPath], {
      PORT: '0',
      DOCKHAND_STATE_DIR: path.join(stateRoot, 'userns'),
    });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(
      /PROBLEM\s+userns\s+user.max_user_namespaces is 0, so the sandbox's rootless engine cannot create its user namespace/,
    );
    expect(doctor.stdout).toMatch(/fix: sysctl -w user.max_user_namespaces=15000/);
    expect(doctor.stdout).toMatch(/no sandbox can start here/);
    expect(Number((await readFile('/proc/sys/user/max_user_namespaces', 'utf8')).trim())).toBeGreaterThan(0);
  });

  it('refuses to start on a port already in use, saying which and what to do', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      await expect(
        startDockhand(testConfig({ PORT: String(port), DOCKHAND_STATE_DIR: path.join(stateRoot, 'port') }), () => {}),
      ).rejects.toThrow(new RegExp(`127.0.0.1:${port} is already in use.*Fix: stop whatever listens there`));
    } finally {
      busy.close();
    }
  });

  it('a DOCKER_HOST that points nowhere: the doctor says so in one sentence and exits non-zero', async () => {
    const nowhere = 'unix:///tmp/dockhand-no-engine.sock';
    const doctor = await outcome(process.execPath, ['scripts/doctor.ts'], { DOCKER_HOST: nowhere });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(new RegExp(`PROBLEM\\s+engine\\s+no Docker Engine answers at ${nowhere}`));
    expect(doctor.stdout).toMatch(/fix: unset DOCKER_HOST/);
    // `npm start` stops at once with one sentence instead of installing or starting an engine.
    const start = await outcome('bash', ['scripts/dockhand.sh', 'start'], { DOCKER_HOST: nowhere });
    expect(start.code).toBe(1);
    expect(start.stderr.trim().split('\n')).toEqual([expect.stringMatching(`no Docker Engine answers at DOCKER_HOST=${nowhere}`)]);
  });

  it('a remote DOCKER_HOST is named as a problem before anything connects to it', async () => {
    const doctor = await outcome(process.execPath, ['scripts/doctor.ts'], { DOCKER_HOST: 'tcp://192.0.2.10:2376' });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/DOCKER_HOST=tcp:\/\/192.0.2.10:2376 is not an engine on this machine/);
  });

  it('the doctor passes on this host, proving it with a real sandbox', { timeout: 180_000 }, async () => {
    const config = testConfig();
    const { code, stdout } = await outcome(process.execPath, ['scripts/doctor.ts'], {
      DOCKHAND_INSTANCE: config.instance,
      DOCKHAND_SUBNET: config.backend.subnet.cidr,
      DOCKHAND_STATE_DIR: path.join(stateRoot, 'doctor'),
      PORT: '0',
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/ok\s+tun/);
    expect(stdout).toMatch(/ok\s+proof\s+a sandbox started in [\d.]+ s; `docker run --rm busybox true` inside it took [\d.]+ s/);
    expect(stdout).toMatch(/this host can run Dockhand/);
  });

  it('two instances whose names share a prefix get bridges of their own', async () => {
    const configs = ['probe18080', 'probe18081'].map((instance, i) =>
      testConfig({ DOCKHAND_INSTANCE: instance, DOCKHAND_SUBNET: `172.31.${240 + i}.0/24`, DOCKHAND_BRIDGE: undefined }),
    );
    const plans = configs.map(networkPlan);
    expect(plans[0]?.bridge).not.toBe(plans[1]?.bridge);
    try {
      for (const [i, config] of configs.entries()) await ensureNetwork(engine, config, plans[i] as ReturnType<typeof networkPlan>);
      for (const plan of plans) {
        const { Options } = (await engine.getNetwork(plan.name).inspect()) as { Options: Record<string, string> };
        expect(Options['com.docker.network.bridge.name']).toBe(plan.bridge);
      }
    } finally {
      for (const plan of plans) await removeNetwork(engine, plan);
    }
  });

  it('makes a network left on another subnet again when only the mirror is on it, and never while a sandbox is', async () => {
    const configFor = (cidr: string) =>
      testConfig({ DOCKHAND_INSTANCE: `${TEST_INSTANCE}-sub`, DOCKHAND_SUBNET: cidr, DOCKHAND_BRIDGE: undefined });
    const [first, second] = ['172.31.242.0/24', '172.31.243.0/24'].map(configFor) as [Config, Config];
    const subnetOf = async (name: string) =>
      ((await engine.getNetwork(name).inspect()) as { IPAM: { Config: { Subnet: string }[] } }).IPAM.Config[0]?.Subnet;
    const attach = async (config: Config, role: 'mirror' | 'sandbox') => {
      const container = await engine.createContainer({
        Image: hostTag('busybox:latest'),
        Cmd: ['sleep', '600'],
        Labels: labelsFor(config.instance, role),
        HostConfig: { NetworkMode: networkPlan(config).name },
      });
      await container.start();
      return container;
    };
    const made: Container[] = [];
    try {
      await ensureNetwork(engine, first, networkPlan(first));
      const mirror = await attach(first, 'mirror');
      made.push(mirror);
      await ensureNetwork(engine, second, networkPlan(second));
      expect(await subnetOf(networkPlan(second).name)).toBe('172.31.243.0/24');
      expect(await unlessMissing(mirror.inspect())).toBeUndefined();

      const sandbox = await attach(second, 'sandbox');
      made.push(sandbox);
      await expect(ensureNetwork(engine, first, networkPlan(first))).rejects.toThrow(
        /uses 172\.31\.243\.0\/24, not 172\.31\.242\.0\/24, and 1 sandbox\(es\) are still on it; set DOCKHAND_SUBNET=172\.31\.243\.0\/24/,
      );
      expect((await sandbox.inspect()).State.Running).toBe(true);
      expect(await subnetOf(networkPlan(second).name)).toBe('172.31.243.0/24');
    } finally {
      for (const container of made) await removeContainer(engine, container.id);
      await removeNetwork(engine, networkPlan(first));
      await removeNetwork(engine, networkPlan(second));
    }
  });
});
