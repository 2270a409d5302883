// What every sandbox backend must do, as one set of tests: a backend is done when it passes them. The
// unit suite runs the lifecycle part against the fake backend (test/unit/backend-contract.test.ts), the
// integration suite runs all of it against Docker-in-Docker (test/integration/backend-contract.test.ts);
// a Kubernetes backend would add a third file of three lines.
import type { Duplex } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runAsLearner, type Sandbox, type SandboxBackend } from '../../sandbox-server/sandboxes/backend.ts';

export type ContractSubject = {
  name: string;
  backend: SandboxBackend;
  /** The same backend as a restarted server would make it: it must find and adopt what the first one started. */
  restarted(): SandboxBackend;
};

/** Start, exec, destroy twice, keep and resume a disk, a refused port, adopt after a restart: every backend, the fake too. */
export function lifecycleContract(subject: ContractSubject): void {
  const { backend } = subject;
  const started: Sandbox[] = [];
  const start = async (options?: { diskKey?: string }) => {
    const sandbox = await backend.start(options);
    started.push(sandbox);
    return sandbox;
  };
  afterAll(async () => {
    for (const sandbox of started) await backend.destroy(sandbox);
  });

  describe(`the sandbox backend contract, lifecycle: ${subject.name}`, () => {
    it('starts a sandbox it then knows, runs a command in it with its exit code, and removes it (twice is fine)', async () => {
      const sandbox = await start();
      expect(await backend.listIds()).toContain(sandbox.id);
      expect((await backend.exec(sandbox, ['true'])).exitCode).toBe(0);
      await backend.destroy(sandbox);
      await backend.destroy(sandbox);
      expect(await backend.listIds()).not.toContain(sandbox.id);
      expect(await subject.restarted().adopt(sandbox.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'gone' });
    });

    it('keeps a disk under a key, resumes a sandbox on it once, and forgets it on request', async () => {
      const key = `contract-${Date.now()}`;
      const first = await start();
      await backend.destroy(first, { keepDiskAs: key });
      const kept = await backend.keptDisk(key);
      expect(kept).toMatchObject({ key });
      expect(kept?.keptAt).toBeLessThanOrEqual(Date.now());
      const second = await start({ diskKey: key });
      expect(second.resumed).toBe(true);
      expect(await backend.keptDisk(key)).toBeUndefined();
      const fresh = await start({ diskKey: `${key}-never-kept` });
      expect(fresh.resumed).toBe(false);
      await backend.destroy(second, { keepDiskAs: key });
      await backend.forgetDisk(key);
      await backend.forgetDisk(key);
      expect(await backend.keptDisk(key)).toBeUndefined();
    });

    it('dials a port of the sandbox that nothing listens on and is refused, as the preview expects', async () => {
      const sandbox = await start();
      await expect(backend.dialPort(sandbox, 8099)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('is adopted by a restarted server, which finds it among its sandboxes', async () => {
      const sandbox = await start();
      const again = subject.restarted();
      expect(await again.listIds()).toContain(sandbox.id);
      expect(await again.adopt(sandbox.id, { timeoutMs: 30_000 })).toMatchObject({ state: 'adopted', sandbox: { id: sandbox.id } });
      expect((await again.exec(again.handle(sandbox.id), ['true'])).exitCode).toBe(0);
    });
  });
}

/** Asks for / over a connection the backend dialled; gives the answer's first line. */
async function httpStatusLine(connection: Duplex): Promise<string> {
  let answer = '';
  connection.on('data', (chunk: Buffer) => {
    answer += chunk.toString();
  });
  connection.write('GET /hostname HTTP/1.0\r\nHost: localhost\r\n\r\n');
  try {
    await expect.poll(() => answer, { timeout: 15_000 }).toContain('\r\n');
    return answer.split('\r\n')[0] ?? '';
  } finally {
    connection.destroy();
  }
}

/** What a backend with a real engine in each sandbox must also do: the learner's engine, a terminal, events, ports (published and dialled). */
export function engineContract(subject: ContractSubject): void {
  const { backend } = subject;
  let sandbox: Sandbox | undefined;
  const sh = async (script: string) => {
    const result = await runAsLearner(backend, sandbox as Sandbox, ['sh', '-c', script]);
    expect(result.exitCode, `${script}\n${result.stderr}`).toBe(0);
    return result.stdout;
  };
  afterAll(async () => {
    if (sandbox) await backend.destroy(sandbox);
  });

  describe(`the sandbox backend contract, the learner's engine: ${subject.name}`, () => {
    it("opens a client of the learner's engine, and tells of its changes and of the ports its containers publish", async () => {
      sandbox = await backend.start();
      const engine = await backend.openEngine(sandbox);
      const changes: number[] = [];
      const watch = backend.watchEvents(sandbox, () => changes.push(Date.now()), { windowMs: 10 });
      try {
        await engine.ping();
        await sh('docker run -d --name contract-web -p 8088:80 busybox httpd -f -p 80 -h /etc >/dev/null');
        expect((await engine.containers()).map((container) => container.Names[0])).toContain('/contract-web');
        await expect.poll(() => changes.length, { timeout: 15_000 }).toBeGreaterThan(0);
        expect(await backend.publishedPorts(sandbox)).toEqual([{ port: 8088, container: 'contract-web' }]);
        expect(await httpStatusLine(await backend.dialPort(sandbox, 8088))).toMatch(/^HTTP\/1\.[01] 200 /);
      } finally {
        watch.stop();
        engine.close();
      }
    });

    it('attaches a terminal whose input the shell reads and whose output comes back', async () => {
      const terminal = await backend.attachTerminal(sandbox as Sandbox, ['sh'], { TERM: 'xterm' });
      let output = '';
      terminal.stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      terminal.stream.write('echo contract-$((6*7))\n');
      await expect.poll(() => output, { timeout: 15_000 }).toContain('contract-42');
      await terminal.resize({ cols: 100, rows: 30 });
      terminal.stream.write('exit\n');
    });
  });
}
