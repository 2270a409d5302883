// Sandboxes that resume: a disk kept after its sandbox ends brings the learner's workspace and the
// inner engine's images, volumes and containers back in the next sandbox started on it; retention
// deletes kept disks past their age and refuses a keep over the size cap rather than evict another's.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runAsLearner, type Sandbox, type SandboxBackend, SandboxStartError } from '../../sandbox-server/sandboxes/backend.ts';
import { forgetKeptDisks } from '../../sandbox-server/sandboxes/cleanup.ts';
import { createDindBackend } from '../../sandbox-server/sandboxes/dind.ts';
import { keptDiskFile, keptDisksDir } from '../../sandbox-server/sandboxes/disk.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import type { RetentionPolicy } from '../../sandbox-server/sandboxes/retention.ts';
import { describeSandbox } from '../../sandbox-server/sandboxes/sandbox.ts';
import { testConfig } from '../support/env.ts';

const config = testConfig();
const options = sandboxOptions(config, inject('sandboxHost'));
const host = connectHostEngine();
const GENEROUS: RetentionPolicy = { maxAgeMs: 3_600_000, maxTotalBytes: 64 * 1024 ** 3 };
const backendWith = (keepDisks: RetentionPolicy) => createDindBackend(host, { ...options, keepDisks });
const backend = backendWith(GENEROUS);
const started: { backend: SandboxBackend; sandbox: Sandbox }[] = [];
/** The sandbox the first test resumed, for the second. */
let resumed: Sandbox | undefined;

async function start(on: SandboxBackend, diskKey?: string) {
  const sandbox = await on.start({ diskKey });
  started.push({ backend: on, sandbox });
  return sandbox;
}

async function sh(sandbox: Sandbox, script: string): Promise<string> {
  const result = await runAsLearner(backend, sandbox, ['sh', '-c', script]);
  expect(result.exitCode, `${script}\n${result.stderr}`).toBe(0);
  return result.stdout.trim();
}

afterAll(async () => {
  for (const { backend: on, sandbox } of started) await on.destroy(sandbox);
  await forgetKeptDisks(config);
});

describe('a sandbox with a kept disk', () => {
  it('resumes with its workspace files, built image, volume and stopped containers, and the engine works as before', async () => {
    const first = await start(backend, 'learner-a');
    expect(first.resumed).toBe(false);
    await sh(
      first,
      [
        'echo "my notes" > ~/workspace/notes.txt',
        'mkdir -p ~/workspace/app && printf "FROM busybox\\nRUN echo built > /built\\nCMD [\\"cat\\", \\"/built\\"]\\n" > ~/workspace/app/Dockerfile',
        'docker build -q -t kept-image ~/workspace/app',
        'docker volume create kept-data && docker run --rm -v kept-data:/data busybox sh -c "echo in-volume > /data/f"',
        'docker run --name kept-stopped busybox echo stopped-once',
        // Running when the sandbox ends: the resumed engine finds it stopped.
        'docker run -d --name kept-running busybox sleep 600',
      ].join(' && '),
    );
    await backend.destroy(first, { keepDiskAs: 'learner-a' });
    const kept = await backend.keptDisk('learner-a');
    expect(kept).toMatchObject({ key: 'learner-a' });
    expect(kept?.bytes).toBeGreaterThan(1024 ** 2);
    // A kept disk is no sandbox: restarts and reaping do not see it, and its sandbox left nothing else.
    expect(await backend.listIds()).not.toContain(first.id);
    expect(existsSync(describeSandbox(options, first.id).disk.mountDir)).toBe(false);

    const second = await start(backend, 'learner-a');
    expect(second.resumed).toBe(true);
    expect(await backend.keptDisk('learner-a')).toBeUndefined();
    expect(await sh(second, 'cat ~/workspace/notes.txt')).toBe('my notes');
    expect(await sh(second, 'docker run --rm kept-image')).toBe('built');
    expect(await sh(second, 'docker run --rm -v kept-data:/data busybox cat /data/f')).toBe('in-volume');
    expect(await sh(second, 'docker ps -a --format "{{.Names}} {{.State}}" | sort')).toBe('kept-running exited\nkept-stopped exited');
    expect(await sh(second, 'docker start -a kept-stopped')).toBe('stopped-once');
    // Networking of the new engine: a published port answers, and a container address from the learner's shell.
    await sh(second, 'docker run -d --name web -p 8081:80 busybox httpd -f -p 80 -h /etc');
    expect(await sh(second, 'for i in $(seq 50); do curl -sf localhost:8081/hostname && break; sleep 0.1; done')).not.toBe('');
    const shell = await runAsLearner(backend, second, [
      'sh',
      '-c',
      'curl -sf -o /dev/null "http://$(docker inspect -f "{{.NetworkSettings.IPAddress}}" web)/hostname" && echo reached',
    ]);
    expect(shell.stdout).toContain('reached');
    // What holds for every sandbox holds for a resumed one: the learner unprivileged, the root read-only, the disk's size.
    expect(await sh(second, 'id -u; touch /usr/x 2>/dev/null || echo read-only')).toBe('1000\nread-only');
    const size = Number(await sh(second, 'df -B1 --output=size ~ | tail -1'));
    expect(size).toBeLessThanOrEqual(options.limits?.diskBytes ?? 0);
    expect(size).toBeGreaterThan((options.limits?.diskBytes ?? 0) * 0.9);

    // A server that restarts re-adopts it like any other sandbox.
    expect(await backendWith(GENEROUS).adopt(second.id, { timeoutMs: 15_000 })).toEqual({ state: 'adopted', sandbox: { id: second.id } });
    resumed = second;
  });

  it('is replaced by a later keep under the same key, and forgotten for a fresh start', async () => {
    if (!resumed) throw new Error('the first test left no sandbox');
    await sh(resumed, 'echo second > ~/workspace/notes.txt');
    await backend.destroy(resumed, { keepDiskAs: 'learner-a' });
    // Destroying twice keeps what was kept.
    await backend.destroy(resumed, { keepDiskAs: 'learner-a' });
    const third = await start(backend, 'learner-a');
    expect(third.resumed).toBe(true);
    expect(await sh(third, 'cat ~/workspace/notes.txt')).toBe('second');
    await backend.destroy(third, { keepDiskAs: 'learner-a' });

    await backend.forgetDisk('learner-a');
    await backend.forgetDisk('learner-a');
    expect(await backend.keptDisk('learner-a')).toBeUndefined();
    const fresh = await start(backend, 'learner-a');
    expect(fresh.resumed).toBe(false);
    expect(await sh(fresh, 'test -e ~/workspace/notes.txt || echo none; docker images -q kept-image | wc -l')).toBe('none\n0');
  });

  it('is left alone by the cleanup of another instance sharing the state folder', async () => {
    const sandbox = await start(backend);
    await backend.destroy(sandbox, { keepDiskAs: 'learner-other' });
    await forgetKeptDisks({ ...config, instance: 'someone-else' });
    expect(await backend.keptDisk('learner-other')).toBeDefined();
    await backend.forgetDisk('learner-other');
  });

  it('refuses keys that are not plain names, before anything is removed', async () => {
    const sandbox = await start(backend);
    await expect(backend.start({ diskKey: '../escape' })).rejects.toThrow(/a disk key must be 1 to 64 letters/);
    await expect(backend.destroy(sandbox, { keepDiskAs: 'a/b' })).rejects.toThrow(/a disk key must be/);
    expect(await sh(sandbox, 'echo alive')).toBe('alive');
    await expect(backend.forgetDisk('')).rejects.toThrow(/a disk key must be/);
  });

  it('stays kept, with its date, when a sandbox cannot start on it', async () => {
    const keptDir = keptDisksDir(options, options.instance);
    await mkdir(keptDir, { recursive: true });
    await writeFile(keptDiskFile(keptDir, 'learner-broken'), Buffer.alloc(4 * 1024 ** 2, 7));
    const before = await backend.keptDisk('learner-broken');
    await expect(backend.start({ diskKey: 'learner-broken' })).rejects.toThrow(/damaged file system/);
    expect(await backend.keptDisk('learner-broken')).toEqual(before);
    await backend.forgetDisk('learner-broken');
  });

  it('stays kept, with its date, when the engine on it cannot start; the start says so within seconds', async () => {
    const first = await start(backend, 'learner-no-engine');
    // containerd's folder becomes a file: the next containerd cannot keep its state there.
    await sh(first, 'rm -rf ~/.local/share/docker/containerd && touch ~/.local/share/docker/containerd');
    await backend.destroy(first, { keepDiskAs: 'learner-no-engine' });
    const before = await backend.keptDisk('learner-no-engine');
    const startedAt = performance.now();
    const failure = await backend.start({ diskKey: 'learner-no-engine' }).catch((error: unknown) => error);
    // dockerd alone would dial containerd's socket for a minute; the entry point's watcher ends it.
    expect(performance.now() - startedAt).toBeLessThan(15_000);
    expect(failure).toBeInstanceOf(SandboxStartError);
    expect((failure as SandboxStartError).detail).toContain('dockhand: containerd did not start');
    // Its date, not its size: the start that failed had written a little to it.
    expect(await backend.keptDisk('learner-no-engine')).toMatchObject({ key: 'learner-no-engine', keptAt: before?.keptAt });
    await backend.forgetDisk('learner-no-engine');
  });
});

describe('retention of kept disks', () => {
  it('deletes a disk once it is older than the keep time; it no longer resumes', async () => {
    const short = backendWith({ maxAgeMs: 1500, maxTotalBytes: GENEROUS.maxTotalBytes });
    await short.destroy(await start(short), { keepDiskAs: 'learner-expires' });
    expect(await short.keptDisk('learner-expires')).toBeDefined();
    expect(await short.sweepKeptDisks()).toEqual([]);
    // Past its keep time (1.5 s) the disk is no longer offered, though it is only deleted by the sweep.
    await expect.poll(() => short.keptDisk('learner-expires'), { timeout: 10_000, interval: 100 }).toBeUndefined();
    expect((await start(short, 'learner-expires')).resumed).toBe(false);
    expect(await short.sweepKeptDisks()).toEqual(['learner-expires']);
    expect(existsSync(keptDiskFile(keptDisksDir(options, options.instance), 'learner-expires'))).toBe(false);
  });

  it('keeps nothing when the keep time is 0', async () => {
    const never = backendWith({ maxAgeMs: 0, maxTotalBytes: GENEROUS.maxTotalBytes });
    const sandbox = await never.start();
    await never.destroy(sandbox, { keepDiskAs: 'learner-never' });
    expect(await never.keptDisk('learner-never')).toBeUndefined();
    expect(existsSync(describeSandbox(options, sandbox.id).disk.file)).toBe(false);
  });

  it("refuses a keep that goes over the size cap and leaves another learner's disk; its owner may replace it", async () => {
    const older = await start(backend);
    // 32 MiB of real blocks: the older disk is the bigger one.
    await sh(older, 'head -c 33554432 /dev/urandom > ~/workspace/big');
    await backend.destroy(older, { keepDiskAs: 'learner-old' });
    const olderSize = (await backend.keptDisk('learner-old'))?.bytes ?? 0;
    const capped = backendWith({ maxAgeMs: GENEROUS.maxAgeMs, maxTotalBytes: olderSize });
    const newcomer = await start(capped);
    await capped.destroy(newcomer, { keepDiskAs: 'learner-new' });
    expect(await capped.keptDisk('learner-old')).toMatchObject({ bytes: olderSize });
    expect(await capped.keptDisk('learner-new')).toBeUndefined();
    expect(existsSync(describeSandbox(options, newcomer.id).disk.file)).toBe(false);
    // The same learner keeping again replaces their own disk (a fresh one is smaller): that fits.
    await capped.destroy(await start(capped), { keepDiskAs: 'learner-old' });
    expect((await capped.keptDisk('learner-old'))?.bytes).toBeLessThan(olderSize);
    await capped.forgetDisk('learner-old');
  });
});
