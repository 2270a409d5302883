import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxDirs } from '../../sandbox-server/sandboxes/host.ts';
import { describeSandbox } from '../../sandbox-server/sandboxes/sandbox.ts';
import { testConfig } from '../support/env.ts';
import { runOutsideLearner, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const host = connectHostEngine();
let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.destroy();
});

describe('a sandbox', () => {
  it('runs busybox through the mirror: docker run busybox echo hello world', async () => {
    const result = await sandbox.run(['docker', 'run', '--rm', 'busybox', 'echo', 'hello', 'world']);
    expect(result.stderr).toContain('Pulling from library/busybox');
    expect(result.stdout).toBe('hello world\n');
    expect(result.exitCode).toBe(0);
  });

  it('exposes its inner engine to the server on a per-sandbox socket', async () => {
    const inner = await sandbox.backend.openEngine(sandbox.sandbox);
    try {
      const images = await inner.images();
      expect(images.flatMap((image) => image.RepoTags)).toContain('busybox:latest');
    } finally {
      inner.close();
    }
    expect((await sandbox.sh("docker info -f '{{.SecurityOptions}}'")).stdout).toContain('rootless');
  });

  it('runs the learner as uid 1000 with no effective capabilities', async () => {
    const result = await sandbox.sh('id -u; grep CapEff /proc/self/status');
    expect(result.stdout).toMatch(/^1000\nCapEff:\s+0000000000000000\n$/);
  });

  it("gives the learner a shell that is the learner's, in the engine's network: container addresses and names answer", async () => {
    const script = [
      'id; touch ~/workspace/mine; stat -c %U:%G ~/workspace/mine; grep CapEff /proc/self/status',
      'docker run -d --name page busybox httpd -f -p 80 -h /etc >/dev/null',
      'curl -sf -o /dev/null "http://$(docker inspect -f "{{.NetworkSettings.IPAddress}}" page)/hostname" && echo reached',
      'getent hosts mirror localhost | wc -l; docker rm -f page >/dev/null; rm ~/workspace/mine',
    ].join('\n');
    const result = await sandbox.run(['sh', '-c', script]);
    expect(result.stdout).toMatch(
      /^uid=1000\(learner\) gid=1000\(learner\) groups=1000\(learner\)\nlearner:learner\nCapEff:\s+0+\nreached\n2\n$/,
    );
  });

  it('carries only newuidmap and newgidmap as setuid binaries', async () => {
    const result = await sandbox.sh('find / -xdev -type f -perm /6000 2>/dev/null | sort');
    expect(result.stdout.trim().split('\n')).toEqual(['/usr/bin/newgidmap', '/usr/bin/newuidmap']);
  });

  it("runs a prelinked dockerd, whose relocated data stays the file's shared pages", async () => {
    // Debian's own dockerd keeps about 8 MiB of private memory in its binary's mappings (relocated data).
    const engine = await runOutsideLearner(
      sandbox.sandbox,
      `pid=$(pidof dockerd); od -An -tx2 -j16 -N2 /proc/$pid/exe
       awk '/^[0-9a-f]+-/ { file = $6 } /^Anonymous:/ && file ~ /dockerd$/ { kib += $2 } END { print kib + 0 }' /proc/$pid/smaps`,
    );
    const [elfType, privateKiB] = engine.stdout.trim().split('\n');
    // ET_EXEC, where Debian's is ET_DYN (position-independent).
    expect(elfType?.trim(), "the image's dockerd is not prelinked: see the image build's log").toBe('0002');
    expect(Number(privateKiB)).toBeLessThan(1024);
    // dockerd runs itself as a hook in every container start and as a helper for image layers.
    const used = await sandbox.sh(
      'docker run --rm busybox true && docker build -q -t layered - <<EOF >/dev/null && echo built\nFROM busybox\nRUN echo hi > /hi\nEOF',
    );
    expect(used.stdout).toBe('built\n');
  });

  it('is removed with its disk, mount and socket directory', async () => {
    const started = await startTestSandbox();
    await started.destroy();
    const other = describeSandbox(sandboxDirs(testConfig()), started.sandbox.id);
    await expect(host.getContainer(other.containerName).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(existsSync(other.disk.file)).toBe(false);
    expect(existsSync(other.disk.mountDir)).toBe(false);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(other.disk.mountDir);
  });
});
