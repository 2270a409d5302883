// A host restart loses no learner's work. The host's dockerd is shared here, so a reboot is simulated
// for this instance's own sandboxes: Dockhand stops, the host engine stops their containers (as a
// dockerd restart does), and some disks are unmounted as a reboot leaves them (/run is RAM); then a new
// Dockhand on the same state directory must bring every learner back with files, images and volumes.
// A sandbox whose engine does not answer in time (paused) is ended with its learner's disk kept.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../sandbox-server/config.ts';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { forgetKeptDisks, reapSandboxes } from '../../sandbox-server/sandboxes/cleanup.ts';
import { isMounted } from '../../sandbox-server/sandboxes/disk.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxDirs } from '../../sandbox-server/sandboxes/host.ts';
import { describeSandbox } from '../../sandbox-server/sandboxes/sandbox.ts';
import { type Dockhand, startDockhand } from '../../sandbox-server/server.ts';
import { api, type Created, createSession } from '../../scripts/lib/api.ts';
import { testConfig } from '../support/env.ts';
import { testBackend } from '../support/sandbox.ts';

const exec = promisify(execFile);
const engine = connectHostEngine();
const backend = testBackend();
const stateRoot = mkdtempSync(path.join(os.tmpdir(), 'dockhand-restart-'));
const configs: Config[] = [];
const running: Dockhand[] = [];
/** Everything the servers logged, to check what they said happened. */
const logged: string[] = [];
/** Learners at once in the reboot test (the issue's 10; fewer on a slow machine). */
const LEARNERS = Number(process.env.DOCKHAND_TEST_RESTART_LEARNERS ?? '10');

function configFor(name: string, overrides: NodeJS.ProcessEnv = {}): Config {
  const config = testConfig({ DOCKHAND_POOL_SIZE: '0', DOCKHAND_STATE_DIR: path.join(stateRoot, name), ...overrides });
  configs.push(config);
  return config;
}

async function start(config: Config): Promise<Dockhand> {
  const dockhand = await startDockhand(config, (line) => void logged.push(line));
  running.push(dockhand);
  return dockhand;
}

async function stop(dockhand: Dockhand): Promise<void> {
  running.splice(running.indexOf(dockhand), 1);
  await dockhand.close();
}

afterAll(async () => {
  for (const dockhand of running.splice(0)) await dockhand.close();
  for (const config of configs) {
    await reapSandboxes(engine, config);
    await forgetKeptDisks(config);
  }
  rmSync(stateRoot, { recursive: true, force: true });
});

async function newLearner(base: string): Promise<string> {
  const made = await api(base, 'POST', '/api/learners');
  expect(made.status).toBe(201);
  return made.body.token as string;
}

async function sh(sandbox: { id: string }, script: string): Promise<string> {
  const result = await runAsLearner(backend, sandbox, ['sh', '-c', script], 120_000);
  expect(result.exitCode, `${script}\n${result.stderr}`).toBe(0);
  return result.stdout.trim();
}

/** Each learner's own work: a file, a built image, a volume with a file, and a container that ran. */
const work = (n: number) =>
  [
    `echo "notes of ${n}" > ~/workspace/notes.txt`,
    `mkdir -p ~/workspace/app && printf "FROM busybox\\nRUN echo built-${n} > /built\\nCMD [\\"cat\\", \\"/built\\"]\\n" > ~/workspace/app/Dockerfile`,
    `docker build -q -t mine-${n} ~/workspace/app`,
    `docker volume create data-${n} && docker run --rm -v data-${n}:/data busybox sh -c "echo volume-${n} > /data/f"`,
  ].join(' && ');

const checkWork = async (sandbox: { id: string }, n: number) => {
  expect(await sh(sandbox, 'cat ~/workspace/notes.txt')).toBe(`notes of ${n}`);
  expect(await sh(sandbox, `docker run --rm mine-${n}`)).toBe(`built-${n}`);
  expect(await sh(sandbox, `docker run --rm -v data-${n}:/data busybox cat /data/f`)).toBe(`volume-${n}`);
};

/** What a reboot does to a disk beside stopping its sandbox: /run is RAM, so it is no longer mounted. */
async function unmountAsAfterReboot(config: Config, id: string): Promise<void> {
  const disk = describeSandbox(sandboxDirs(config), id).disk;
  await exec('umount', [disk.mountDir]);
  const { stdout } = await exec('losetup', ['--list', '--noheadings', '--output', 'NAME', '--associated', disk.file]);
  for (const device of stdout.split('\n').filter(Boolean)) await exec('losetup', ['--detach', device]);
  rmSync(disk.mountDir, { recursive: true, force: true });
  expect(await isMounted(disk.mountDir)).toBe(false);
}

describe('a host restart', () => {
  it(`brings ${LEARNERS} learners back with their files, images and volumes, on remounted disks too`, { timeout: 900_000 }, async () => {
    const config = configFor('reboot');
    const first = await start(config);
    const sessions: Created[] = [];
    for (let n = 0; n < LEARNERS; n++) {
      sessions.push(await createSession(first.url, { learner: await newLearner(first.url) }));
    }
    await Promise.all(sessions.map((session, n) => sh(session.sandbox, work(n))));
    await stop(first);
    expect(logged.at(-1)).toBe(
      `stopped: removed 0 warm sandbox(es); ${LEARNERS} learner sandbox(es) keep running on the Docker Engine, and the next start re-adopts them`,
    );

    // The host engine stops every sandbox (as a dockerd restart or a reboot does); half the disks lose their mount.
    await Promise.all(
      sessions.map((session) => engine.getContainer(describeSandbox(sandboxDirs(config), session.sandbox.id).containerName).stop({ t: 5 })),
    );
    for (const session of sessions.filter((_, n) => n % 2 === 0)) await unmountAsAfterReboot(config, session.sandbox.id);

    const second = await start(config);
    expect(logged).toContainEqual(expect.stringMatching(new RegExp(`^re-adopted ${LEARNERS} sandbox\\(es\\); ended 0 session`)));
    for (const [n, session] of sessions.entries()) {
      const after = await api(second.url, 'GET', `/api/sessions/${session.id}`, { token: session.token });
      expect(after.body, `learner ${n}`).toMatchObject({ state: 'active', sandbox: { id: session.sandbox.id } });
      await checkWork(session.sandbox, n);
    }
    expect(await isMounted(describeSandbox(sandboxDirs(config), sessions[0]?.sandbox.id as string).disk.mountDir)).toBe(true);
  });

  it("ends a sandbox whose engine does not answer in time with its learner's disk kept, and the learner resumes from it", {
    timeout: 300_000,
  }, async () => {
    const config = configFor('slow', { DOCKHAND_ADOPT_TIMEOUT: '2s' });
    const first = await start(config);
    const learner = await newLearner(first.url);
    const session = await createSession(first.url, { learner });
    await sh(session.sandbox, work(7));
    await stop(first);
    // An engine that accepts connections and never answers: the slowest a sandbox can be.
    const container = engine.getContainer(describeSandbox(sandboxDirs(config), session.sandbox.id).containerName);
    await container.pause();

    const second = await start(config);
    const after = await api(second.url, 'GET', `/api/sessions/${session.id}`, { token: session.token });
    expect(after.body).toMatchObject({ state: 'ended', endCode: 'unreachable' });
    expect(second.sessions.liveCount()).toBe(0);
    expect(logged).toContainEqual(
      expect.stringMatching(
        /^re-adoption: session \S+: the engine in sandbox \w+ did not answer within 3 s; ended after 3 tries, its learner's disk kept\.$/,
      ),
    );
    const resumed = await createSession(second.url, { learner });
    expect(resumed).toMatchObject({ resumed: true });
    await checkWork(resumed.sandbox, 7);
  });
});
