// A learner misbehaving on purpose: a fork bomb, a memory hog and a disk filler in one sandbox. The
// limits hold, the host's engine and another sandbox stay responsive meanwhile, and the sandbox still
// goes away completely afterwards. Every abuse runs under `timeout`, every wait has a deadline.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CommandResult, runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { isMounted, loopDevicesOf } from '../../sandbox-server/sandboxes/disk.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import type { InnerEngine } from '../../sandbox-server/sandboxes/inner-engine.ts';
import {
  describeSandbox,
  destroySandbox,
  newSandboxId,
  type SandboxContainer,
  startSandbox,
  waitForEngine,
} from '../../sandbox-server/sandboxes/sandbox.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const host = connectHostEngine();
const sandboxHost = inject('sandboxHost');
const config = testConfig();
const MiB = 1024 ** 2;
const options = sandboxOptions(config, sandboxHost);
const backend = testBackend();
// Small limits keep the abuse quick; the mechanisms are the same as with the defaults.
const limits = { ...config.limits, memoryBytes: 512 * MiB, pids: 256, diskBytes: 512 * MiB };

let abused: SandboxContainer;
let abusedEngine: InnerEngine;
let witness: SandboxContainer;

beforeAll(async () => {
  [abused, witness] = await Promise.all([startSandbox(host, { ...options, limits }), startSandbox(host, options)]);
  [abusedEngine] = await Promise.all([waitForEngine(host, abused), waitForEngine(host, witness)]);
});

afterAll(async () => {
  await Promise.all([abused && destroySandbox(host, abused), witness && destroySandbox(host, witness)]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stats(sandbox: SandboxContainer) {
  return host.getContainer(sandbox.containerName).stats({ stream: false, 'one-shot': true });
}

/** Polls `reached` until it holds, the deadline passes, or (if given) the abuse ends. */
async function waitUntil(reached: () => Promise<boolean>, timeoutMs: number, abuse?: Promise<unknown>): Promise<void> {
  let ended = false;
  abuse?.finally(() => {
    ended = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!ended && Date.now() < deadline && !(await reached())) await sleep(100);
}

/** How long the host's engine and the witness sandbox take to answer right now. */
async function responsiveness() {
  const started = performance.now();
  await host.ping();
  const pingMs = performance.now() - started;
  const echo = await runAsLearner(backend, witness, ['echo', 'ok']);
  return { pingMs, echoMs: performance.now() - started - pingMs, echo: echo.stdout };
}

function expectResponsive(measured: Awaited<ReturnType<typeof responsiveness>>) {
  expect(measured.echo).toBe('ok\n');
  expect(measured.pingMs).toBeLessThan(2_000);
  expect(measured.echoMs).toBeLessThan(5_000);
}

async function learner(sandbox: SandboxContainer, script: string): Promise<CommandResult> {
  return runAsLearner(backend, sandbox, ['sh', '-c', script]);
}

describe('a learner abusing their sandbox', () => {
  it('cannot use more memory than its limit: hog after hog is killed, the engine lives on', async () => {
    // The limit is hit when the cgroup counts a failure (cgroup v1's failcnt), or, where there is no
    // such count, when a sample comes near it. The count before is read before any hog runs.
    const failuresBefore = (await stats(abused)).memory_stats.failcnt ?? 0;
    // A new hog as soon as the last one dies keeps the sandbox pressed against its limit for 8 s.
    const hogs = runAsLearner(backend, abused, [
      'timeout',
      '8',
      'sh',
      '-c',
      'while :; do head -c 2000M /dev/zero | tail; echo "hog $?"; done',
    ]);
    let peak = 0;
    let hits = 0;
    await waitUntil(
      async () => {
        const memory = (await stats(abused)).memory_stats;
        peak = Math.max(peak, memory.usage ?? 0);
        hits = (memory.failcnt ?? 0) - failuresBefore;
        return hits > 0 || peak >= limits.memoryBytes * 0.8;
      },
      8_000,
      hogs,
    );
    const measured = await responsiveness();
    const result = await hogs;
    // The count is cumulative: read once more after the abuse, so a slow engine's late samples miss nothing.
    hits = ((await stats(abused)).memory_stats.failcnt ?? 0) - failuresBefore;
    const endings = new Set(result.stdout.trim().split('\n'));
    // Every hog was killed (137), none ever got its 2000 MiB.
    expect([...endings], result.stderr).toEqual(['hog 137']);
    expect(hits > 0 || peak >= limits.memoryBytes * 0.8).toBe(true);
    expect(peak).toBeLessThanOrEqual(limits.memoryBytes);
    expectResponsive(measured);
    await abusedEngine.ping();
  });

  it('cannot fork past the pids limit, and the host and another sandbox keep answering', async () => {
    // Each generation forks two more until 8 s have passed (bash's SECONDS needs no fork to read), so
    // the bomb dies out by itself; forking `kill` into a sandbox out of pids would not work.
    const bomb = runAsLearner(backend, abused, [
      'timeout',
      '-s',
      'KILL',
      '20',
      'bash',
      '-c',
      'bomb() { if ((SECONDS < 8)); then bomb | bomb & fi; }; bomb; wait',
    ]);
    let peak = 0;
    await waitUntil(
      async () => {
        peak = Math.max(peak, (await stats(abused)).pids_stats?.current ?? 0);
        return peak >= limits.pids * 0.9;
      },
      10_000,
      bomb,
    );
    const measured = await responsiveness();
    await bomb;
    expect(peak).toBeGreaterThanOrEqual(limits.pids * 0.9);
    expect(peak).toBeLessThanOrEqual(limits.pids);
    expectResponsive(measured);
    let after = Number.POSITIVE_INFINITY;
    await waitUntil(async () => {
      after = (await stats(abused)).pids_stats?.current ?? after;
      return after < limits.pids / 2;
    }, 10_000);
    expect(after).toBeLessThan(limits.pids / 2);
    await abusedEngine.ping();
  });

  it('fills its disk up to the disk limit and no further, as the learner and from an inner container', async () => {
    const filler = learner(abused, 'timeout 60 dd if=/dev/zero of=$HOME/fill bs=1M 2>&1; echo "exit $?"');
    const [filled, measured] = await Promise.all([filler, sleep(200).then(responsiveness)]);
    expect(filled.stdout).toContain('No space left on device');
    expect(filled.stdout).toMatch(/exit 1\n$/);
    expectResponsive(measured);
    // The learner's file and the engine's data share the disk: it is full for both.
    const full = await learner(abused, 'stat -c %s $HOME/fill; dd if=/dev/zero of=/run/user/1000/more bs=1M count=1 2>&1 >/dev/null');
    const [size = '', error = ''] = full.stdout.split('\n');
    expect(Number(size)).toBeGreaterThan(limits.diskBytes * 0.9);
    expect(Number(size)).toBeLessThanOrEqual(limits.diskBytes);
    expect(error).toContain('No space left on device');
    expect((await stat(abused.disk.file)).blocks * 512).toBeLessThanOrEqual(limits.diskBytes);

    const inner = await learner(
      abused,
      'rm $HOME/fill /run/user/1000/more && docker run --rm -v fill:/data busybox sh -c "dd if=/dev/zero of=/data/fill bs=1M 2>&1; stat -c %s /data/fill"',
    );
    const [, innerSize = ''] = inner.stdout.match(/No space left on device[\s\S]*\n(\d+)\n$/) ?? [];
    expect(Number(innerSize), inner.stdout + inner.stderr).toBeGreaterThan(limits.diskBytes * 0.8);
    expect(Number(innerSize)).toBeLessThanOrEqual(limits.diskBytes);
    expect((await learner(abused, 'docker volume rm fill')).exitCode).toBe(0);
  });

  it('cannot use more CPU than its limit: two busy loops on a two-core host get its half core', async () => {
    const halfCore = await startSandbox(host, { ...options, limits: { ...limits, cpus: 0.5 } });
    try {
      await waitForEngine(host, halfCore);
      const loops = learner(halfCore, 'for i in 1 2; do timeout 6 sh -c "while :; do :; done" & done; wait');
      await sleep(1_500);
      // Over 3 s, so the limit's 1 s periods cannot add up to much more than its share.
      const cpuNs = async () => (await stats(halfCore)).cpu_stats.cpu_usage.total_usage;
      const [before, started] = [await cpuNs(), performance.now()];
      await sleep(3_000);
      const cores = ((await cpuNs()) - before) / 1e6 / (performance.now() - started);
      const measured = await responsiveness();
      await loops;
      expect(cores).toBeGreaterThan(0.3);
      expect(cores).toBeLessThan(0.5 * 1.3);
      expectResponsive(measured);
    } finally {
      await destroySandbox(host, halfCore);
    }
  });

  it('has nowhere else to write: /tmp is a RAM disk a quarter of its memory, the rest is read-only', async () => {
    const result = await learner(
      abused,
      'timeout 30 dd if=/dev/zero of=/tmp/fill bs=1M 2>/dev/null; stat -c %s /tmp/fill; rm /tmp/fill; touch /var/tmp/x /etc/x /x 2>&1',
    );
    const [size = '', ...errors] = result.stdout.trim().split('\n');
    expect(Number(size)).toBeGreaterThan((limits.memoryBytes / 4) * 0.95);
    expect(Number(size)).toBeLessThanOrEqual(limits.memoryBytes / 4);
    expect(errors).toEqual([
      "touch: cannot touch '/var/tmp/x': Read-only file system",
      "touch: cannot touch '/etc/x': Read-only file system",
      "touch: cannot touch '/x': Read-only file system",
    ]);
  });
});

/** Files that loop devices are attached to now (a deleted one reads "PATH (deleted)"). */
async function loopBackingFiles(): Promise<string[]> {
  const devices = (await readdir('/sys/block')).filter((name) => name.startsWith('loop'));
  const files = await Promise.all(devices.map((device) => readFile(`/sys/block/${device}/loop/backing_file`, 'utf8').catch(() => '')));
  return files.map((file) => file.trim()).filter(Boolean);
}

/** Nothing of the sandbox remains: container, mount, loop device, disk file, mount point. */
async function expectGone(sandbox: SandboxContainer) {
  await expect(host.getContainer(sandbox.containerName).inspect()).rejects.toMatchObject({ statusCode: 404 });
  expect(await isMounted(sandbox.disk.mountDir)).toBe(false);
  expect((await loopBackingFiles()).filter((file) => file.startsWith(sandbox.disk.file))).toEqual([]);
  await expect(stat(sandbox.disk.file)).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(stat(sandbox.disk.mountDir)).rejects.toMatchObject({ code: 'ENOENT' });
}

describe('after the abuse', () => {
  it('the sandbox is removed completely, and removing it again is harmless', async () => {
    expect(await loopDevicesOf(abused.disk.file)).toHaveLength(1);
    await destroySandbox(host, abused);
    await expectGone(abused);
    await destroySandbox(host, abused);
  });

  it('a sandbox that fails half-way is cleaned up, and one never made can be destroyed', async () => {
    const id = newSandboxId();
    const broken = { ...options, network: { ...options.network, name: `${options.network.name}-missing` } };
    await expect(startSandbox(host, broken, id)).rejects.toThrow(/network/);
    await expectGone(describeSandbox(options, id));
    await destroySandbox(host, describeSandbox(options, newSandboxId()));
  });

  it('a sandbox whose disk cannot be made leaves no container behind (it is created while the disk is made)', async () => {
    const id = newSandboxId();
    const { disk, containerName } = describeSandbox(options, id);
    await mkdir(path.dirname(disk.file), { recursive: true });
    await writeFile(disk.file, 'in the way');
    try {
      await expect(startSandbox(host, options, id)).rejects.toThrow(/already exists/);
      expect(await host.listContainers({ all: true, filters: { name: [containerName] } })).toEqual([]);
      expect(await readFile(disk.file, 'utf8')).toBe('in the way');
    } finally {
      await rm(disk.file, { force: true });
    }
  });
});
