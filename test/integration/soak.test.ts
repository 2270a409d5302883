// Long runs stay flat: learners come, publish a port, make a volume, build, and leave, again and again.
// Afterwards this instance holds no more containers, loop devices, mounts or firewall rules than before,
// kept disks stay within their policy, and the server's file descriptors and memory have not grown
// beyond a margin. `npm run bench -- soak` runs the longer variant and prints the figures.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forgetKeptDisks, reapSandboxes } from '../../sandbox-server/sandboxes/cleanup.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { formatFigures, soak, soakFigures } from '../../scripts/lib/soak.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const LEARNERS = Number(process.env.DOCKHAND_TEST_SOAK_LEARNERS ?? '30');
// Low enough that the oldest kept disks must go during the run (each is a few MiB).
const KEPT_MAX = 32 * 1024 ** 2;
const engine = connectHostEngine();
const backend = testBackend();
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-soak-'));
const config = testConfig({ DOCKHAND_POOL_SIZE: '2', DOCKHAND_STATE_DIR: stateDir, DOCKHAND_KEPT_DISKS_MAX: String(KEPT_MAX) });
let dockhand: Dockhand | undefined;

afterAll(async () => {
  await dockhand?.close();
  await reapSandboxes(engine, config);
  await forgetKeptDisks(config);
  rmSync(stateDir, { recursive: true, force: true });
});

const settled = async (running: Dockhand) => {
  await expect.poll(() => running.pool.stats(), { timeout: 120_000, interval: 250 }).toMatchObject({ ready: 2, starting: 0 });
};

describe('a long run', () => {
  it(`stays flat over ${LEARNERS} learners who come, publish a port, make a volume, build and leave`, { timeout: 1_800_000 }, async () => {
    dockhand = await startDockhand(config, () => {});
    // Warm-up: the first learners load code, fill caches and the kept-disk folder.
    await soak(dockhand, backend, 3, 1);
    await settled(dockhand);
    const before = await soakFigures(engine, config);
    await soak(dockhand, backend, LEARNERS, 2);
    await settled(dockhand);
    const after = await soakFigures(engine, config);
    console.log(`soak: before ${formatFigures(before)}\nsoak: after ${LEARNERS} learners ${formatFigures(after)}`);
    expect(after).toMatchObject({
      containers: before.containers,
      loopDevices: before.loopDevices,
      mounts: before.mounts,
      firewallRules: before.firewallRules,
    });
    expect(after.keptBytes).toBeLessThanOrEqual(KEPT_MAX);
    expect(after.fds).toBeLessThanOrEqual(before.fds + 20);
    expect(after.rssBytes).toBeLessThanOrEqual(before.rssBytes + 150 * 1024 ** 2);
  });
});
