// A learner who tampers with their own engine's socket, as an attacker would: a link to the host's Docker
// socket, a link to another learner's, a fake engine that answers without end. The server reaches that
// sandbox's own engine or nothing, and every answer it reads is bounded: the learner gets a sentence,
// the server keeps its memory.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openCheckContext } from '../../sandbox-server/checks/context.ts';
import { evaluateCheck } from '../../sandbox-server/checks/evaluate.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import { ENGINE_ANSWER_MAX_BYTES, InnerEngineError } from '../../sandbox-server/sandboxes/inner-engine.ts';
import { describeSandbox } from '../../sandbox-server/sandboxes/sandbox.ts';
import { testConfig } from '../support/env.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const RUN = '/run/user/1000';
const SOCKET = `${RUN}/docker.sock`;
const MiB = 1024 ** 2;

let learner: TestSandbox;
let neighbour: TestSandbox;

beforeAll(async () => {
  [learner, neighbour] = await Promise.all([startTestSandbox(), startTestSandbox()]);
});

afterAll(async () => {
  await Promise.all([learner?.destroy(), neighbour?.destroy()]);
});

async function sh(script: string): Promise<void> {
  const result = await learner.sh(script);
  expect(result.exitCode, `${script}\n${result.stdout}\n${result.stderr}`).toBe(0);
}

/** Puts the learner's real socket back where it was (each test starts from an honest engine). */
async function restoreSocket(): Promise<void> {
  await sh(`pkill -u 1000 -x nc || true; if [ -S ${RUN}/real.sock ]; then rm -f ${SOCKET}; mv ${RUN}/real.sock ${SOCKET}; fi`);
}

/** The engine as the server sees it: what it lists, or the refusal. */
async function serverSees(sandbox: TestSandbox): Promise<string[] | InnerEngineError> {
  const engine = await sandbox.backend.openEngine(sandbox.sandbox);
  try {
    return (await engine.containers()).map((container) => container.Names[0] ?? container.Id);
  } catch (error) {
    if (error instanceof InnerEngineError) return error;
    throw error;
  } finally {
    engine.close();
  }
}

describe("the server reaches the learner's own engine or none", () => {
  it("refuses a link to the host's Docker socket: no host container is ever listed, ported or checked", async () => {
    const hostContainers = await connectHostEngine().listContainers();
    expect(hostContainers.length).toBeGreaterThan(0);
    const hostName = (hostContainers[0]?.Names[0] ?? '').replace(/^\//, '');
    await sh(`docker create --name mine busybox true >/dev/null`);
    expect(await serverSees(learner)).toEqual(['/mine']);
    await sh(`mv ${SOCKET} ${RUN}/real.sock && ln -s /var/run/docker.sock ${SOCKET}`);
    try {
      const seen = await serverSees(learner);
      expect(seen).toBeInstanceOf(InnerEngineError);
      expect((seen as InnerEngineError).message).toMatch(/socket is not the engine's own \(the engine socket is a symbolic link\)/);
      await expect(learner.backend.publishedPorts(learner.sandbox)).rejects.toBeInstanceOf(InnerEngineError);
      const ctx = await openCheckContext(learner.backend, learner.sandbox);
      try {
        await expect(evaluateCheck({ kind: 'container', name: hostName, state: 'running' }, ctx)).rejects.toBeInstanceOf(InnerEngineError);
      } finally {
        ctx.close();
      }
    } finally {
      await restoreSocket();
    }
    expect(await serverSees(learner)).toEqual(['/mine']);
  });

  it("refuses a link to another learner's socket, and a link in place of the socket's folder entry", async () => {
    await neighbour.sh('docker create --name neighbours-secret busybox true');
    const options = sandboxOptions(testConfig(), inject('sandboxHost'));
    const other = describeSandbox(options, neighbour.sandbox.id).socket;
    const otherPath = path.join(other.anchor, ...other.components);
    await sh(`mv ${SOCKET} ${RUN}/real.sock && ln -s ${otherPath} ${SOCKET}`);
    try {
      expect(await serverSees(learner)).toBeInstanceOf(InnerEngineError);
      // A relative link to the real socket is refused as well: the server follows no link at all.
      await sh(`ln -sfn real.sock ${SOCKET}`);
      expect(await serverSees(learner)).toBeInstanceOf(InnerEngineError);
    } finally {
      await restoreSocket();
    }
    expect(await serverSees(neighbour)).toEqual(['/neighbours-secret']);
  });

  it('reads at most a bounded answer from a fake engine that never stops talking, and stays small', async () => {
    await sh(
      `mv ${SOCKET} ${RUN}/real.sock && (printf 'HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n\\r\\n['; yes '{"Id":"x","Names":["/x"]},') | timeout 60 nc -lU ${SOCKET} >/dev/null 2>&1 &
       for i in $(seq 100); do [ -S ${SOCKET} ] && exit 0; sleep 0.05; done; exit 1`,
    );
    try {
      const before = process.memoryUsage().rss;
      const started = Date.now();
      const seen = await serverSees(learner);
      expect(seen).toBeInstanceOf(InnerEngineError);
      expect((seen as InnerEngineError).problem).toBe('too_large');
      expect((seen as InnerEngineError).message).toMatch(/more than 8 MiB/);
      expect(Date.now() - started).toBeLessThan(15_000);
      // What was read stays near the bound: a few times it at most, never the stream.
      expect(process.memoryUsage().rss - before).toBeLessThan(6 * ENGINE_ANSWER_MAX_BYTES + 64 * MiB);
    } finally {
      await restoreSocket();
    }
  });

  it('ends an events stream whose line never ends, and tells an engine that does not answer in time', async () => {
    await sh(
      `mv ${SOCKET} ${RUN}/real.sock && (printf 'HTTP/1.1 200 OK\\r\\n\\r\\n'; yes x | tr -d '\\n') | timeout 60 nc -lU ${SOCKET} >/dev/null 2>&1 &
       for i in $(seq 100); do [ -S ${SOCKET} ] && exit 0; sleep 0.05; done; exit 1`,
    );
    try {
      const engine = await learner.backend.openEngine(learner.sandbox);
      const ended = await new Promise<Error | undefined>((resolve) => {
        engine.events({ since: Date.now() / 1000, types: ['container'], onEvent: () => {}, onEnd: resolve });
      });
      engine.close();
      expect(ended).toBeInstanceOf(InnerEngineError);
      expect((ended as InnerEngineError).problem).toBe('too_large');
    } finally {
      await restoreSocket();
    }
    // A socket that accepts and never answers: the call ends at its time bound with a sentence.
    await sh(
      `mv ${SOCKET} ${RUN}/real.sock && (sleep 60) | timeout 60 nc -lU ${SOCKET} >/dev/null 2>&1 &
       for i in $(seq 100); do [ -S ${SOCKET} ] && exit 0; sleep 0.05; done; exit 1`,
    );
    try {
      const seen = await serverSees(learner);
      expect(seen).toBeInstanceOf(InnerEngineError);
      expect((seen as InnerEngineError).problem).toBe('timeout');
    } finally {
      await restoreSocket();
    }
  });
});
