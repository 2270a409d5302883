// `npm run bench`: measured figures, printed. Not part of `npm test` (this machine is noisy; compare
// variants as ratios within one run).
import { connectHostEngine } from '../sandbox-server/sandboxes/docker.ts';
import { prepareSandboxHost, sandboxOptions } from '../sandbox-server/sandboxes/host.ts';
import { destroySandbox, runInSandbox, startSandbox, waitForEngine } from '../sandbox-server/sandboxes/sandbox.ts';
import { removeEverything } from '../test/support/cleanup.ts';
import { testConfig } from '../test/support/env.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const engine = connectHostEngine();
const config = testConfig({ DOCKHAND_INSTANCE: 'bench', DOCKHAND_SUBNET: '172.31.215.0/24', DOCKHAND_BRIDGE: 'dockhand-bench' });

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function report(name: string, values: number[]): void {
  console.log(`${name}: p50 ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms (n=${values.length})`);
}

try {
  const host = await prepareSandboxHost(engine, config, () => {});
  const options = sandboxOptions(config, host);
  const coldStart: number[] = [];
  const firstPull: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const sandbox = await startSandbox(engine, options);
    try {
      await waitForEngine(engine, sandbox);
      coldStart.push(performance.now() - started);
      const pullStarted = performance.now();
      const result = await runInSandbox(engine, sandbox, ['docker', 'run', '--rm', 'busybox', 'true']);
      if (result.exitCode !== 0) throw new Error(`busybox failed in the sandbox: ${result.stderr}`);
      firstPull.push(performance.now() - pullStarted);
    } finally {
      await destroySandbox(engine, sandbox);
    }
  }
  report('sandbox cold start to a responding inner engine', coldStart);
  report('first `docker run busybox true` in a new sandbox (pull through the mirror)', firstPull);
} finally {
  await removeEverything(engine, config);
}
