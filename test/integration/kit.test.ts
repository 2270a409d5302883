import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { connectHostEngine, imageId } from '../../sandbox-server/sandboxes/docker.ts';
import { exportKit, importKit } from '../../sandbox-server/sandboxes/kit/archive.ts';
import { hostTag } from '../../sandbox-server/sandboxes/kit/images.ts';
import { ensureKit } from '../../sandbox-server/sandboxes/kit/kit.ts';

const engine = connectHostEngine();
const host = inject('sandboxHost');

describe('the image kit', () => {
  it('is complete, and a second pass reuses every image (content-hash cache)', async () => {
    const again = await ensureKit(engine, () => {}, { online: host.kit.online });
    expect(again.images.map((image) => image.source).every((source) => source === 'cached' || source === 'pulled')).toBe(true);
    expect(again.images.map((image) => image.id)).toEqual(host.kit.images.map((image) => image.id));
  });

  it('keeps its images under dockhand/kit/ on the host, never under the Docker Hub names it serves', () => {
    for (const image of host.kit.images) {
      for (const tag of image.tags) expect(tag).toMatch(/^dockhand\/kit\//);
    }
  });
});

describe('the mirror', () => {
  it('serves every lesson image under library/ with the same image id as the host', async () => {
    for (const image of host.kit.images) {
      for (const ref of image.serves) {
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
    const ref = hostTag('hello-world:latest');
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
