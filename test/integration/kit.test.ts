import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { connectHostEngine, imageId } from '../../sandbox-server/sandboxes/docker.ts';
import { exportKit, importKit } from '../../sandbox-server/sandboxes/kit/archive.ts';
import { ensureKit } from '../../sandbox-server/sandboxes/kit/kit.ts';
import { labelsFor } from '../../sandbox-server/sandboxes/labels.ts';
import { TEST_INSTANCE } from '../support/env.ts';

const engine = connectHostEngine();
const host = inject('sandboxHost');

/** Runs a throwaway container from a kit image on the host engine and returns its output. */
async function runImage(image: string, cmd: string[]): Promise<string> {
  const container = await engine.createContainer({ Image: image, Cmd: cmd, Labels: labelsFor(TEST_INSTANCE, 'sandbox') });
  try {
    await container.start();
    const { StatusCode } = await container.wait();
    const logs = (await container.logs({ stdout: true, stderr: true })).toString();
    expect(StatusCode, logs).toBe(0);
    return logs;
  } finally {
    await container.remove({ force: true, v: true });
  }
}

describe('the image kit', () => {
  it('is complete, and a second pass reuses every image (content-hash cache)', async () => {
    const again = await ensureKit(engine, () => {});
    expect(again.images.map((image) => image.source).every((source) => source === 'cached' || source === 'pulled')).toBe(true);
    expect(again.images.map((image) => image.id)).toEqual(host.kit.images.map((image) => image.id));
  });

  it('has a busybox with its applets installed', async () => {
    const out = await runImage('busybox', ['sh', '-c', 'env | grep -c PATH; which grep ifconfig true wget']);
    expect(out).toContain('/bin/ifconfig');
    expect(out).toContain('/bin/wget');
  });

  it('has a Python 3 that can serve http.server, as python:3 and python:3-slim', async () => {
    for (const tag of ['python:3', 'python:3-slim']) {
      expect(await runImage(tag, ['python', '-c', 'import http.server, sys; print(sys.version_info[0])'])).toContain('3');
    }
  });

  it('has a registry:2 that runs the Distribution registry', async () => {
    expect(await runImage('registry:2', ['--version'])).toMatch(/registry|2\.\d/);
  });

  it('has hello-world, which greets', async () => {
    expect(await runImage('hello-world', [])).toContain('Hello from Docker!');
  });
});

describe('the mirror', () => {
  it('serves every lesson image under library/ with the same image id as the host', async () => {
    for (const image of host.kit.images.filter((entry) => !entry.tags[0]?.startsWith('dockhand/'))) {
      for (const ref of image.tags) {
        const [repo, tag] = ref.split(':');
        const response = await fetch(`${host.mirror.url}/v2/library/${repo}/manifests/${tag}`, {
          headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
        });
        expect(response.status, ref).toBe(200);
        expect(((await response.json()) as { config: { digest: string } }).config.digest).toBe(image.id);
      }
    }
  });

  it('refuses pushes, so no sandbox can change what the others pull', async () => {
    const response = await fetch(`${host.mirror.url}/v2/library/busybox/blobs/uploads/`, { method: 'POST' });
    expect(response.status).toBe(405);
  });
});

describe('the kit archive', () => {
  it('exports images to one tar file and imports them back under the same names and ids', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-kit-'));
    const file = path.join(dir, 'kit.tar');
    const ref = 'hello-world:latest';
    try {
      const before = await imageId(engine, ref);
      const { bytes } = await exportKit(engine, file, () => {}, [ref]);
      expect(bytes).toBeGreaterThan(1000);
      await engine.getImage(ref).remove({ noprune: true });
      expect(await imageId(engine, ref)).toBeUndefined();
      await importKit(engine, file, () => {});
      expect(await imageId(engine, ref)).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to export an incomplete kit, naming what is missing', async () => {
    await expect(exportKit(engine, '/tmp/never-written.tar', () => {}, ['dockhand/no-such-image:1'])).rejects.toThrow(
      /missing dockhand\/no-such-image:1.*images:build/,
    );
  });

  it('refuses to import a file that is not there, saying how to make one', async () => {
    await expect(importKit(engine, '/nonexistent/kit.tar', () => {})).rejects.toThrow(/no kit archive at .*images:export/);
  });
});
