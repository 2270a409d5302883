// `npm run doctor`: the preflight's table (fixing what is safe to fix unless DOCKHAND_FIX_HOST=off), then
// the final proof: one sandbox started for real, with `docker run --rm busybox true` inside it.
// Exits non-zero when a sandbox cannot start here.
import { loadConfig } from '../sandbox-server/config.ts';
import { type CheckRow, formatReport, sandboxBlockers } from '../sandbox-server/host/report.ts';
import { runPreflight } from '../sandbox-server/preflight.ts';
import { type BackendHost, runAsLearner, startProblem } from '../sandbox-server/sandboxes/backend.ts';
import { createBackend } from '../sandbox-server/sandboxes/create-backend.ts';

const print = (line: string) => console.log(line);

/** Whatever backend the configuration names, as the server would start it. */
async function proof(backendHost: BackendHost): Promise<CheckRow> {
  // The proof runs busybox: the only image it needs made.
  const plan = { first: ['busybox:latest'], later: [] };
  const { backend: sandboxes } = await backendHost.prepare((line) => print(`         … ${line}`), plan);
  const started = performance.now();
  let sandbox: Awaited<ReturnType<typeof sandboxes.start>> | undefined;
  try {
    sandbox = await sandboxes.start();
    const ready = performance.now();
    const run = await runAsLearner(sandboxes, sandbox, ['docker', 'run', '--rm', 'busybox', 'true']);
    const seconds = (at: number, from: number) => ((at - from) / 1000).toFixed(2);
    if (run.exitCode !== 0) {
      return {
        check: 'proof',
        status: 'problem',
        blocksSandboxes: true,
        message: `a sandbox started in ${seconds(ready, started)} s, but \`docker run --rm busybox true\` inside it failed (exit ${run.exitCode}): ${run.stderr.trim().split('\n').pop()}`,
        fix: 'check the image mirror: `npm run images:build` rebuilds and refills it',
      };
    }
    return {
      check: 'proof',
      status: 'ok',
      message: `a sandbox started in ${seconds(ready, started)} s; \`docker run --rm busybox true\` inside it took ${seconds(performance.now(), ready)} s.`,
    };
  } catch (error) {
    const problem = startProblem(error);
    return { check: 'proof', status: 'problem', blocksSandboxes: true, message: problem.message, fix: problem.fix };
  } finally {
    if (sandbox) await sandboxes.destroy(sandbox);
  }
}

async function main(): Promise<number> {
  const config = loadConfig();
  const backendHost = createBackend(config);
  const rows = await runPreflight(backendHost.hostChecks, {
    fix: config.fixHost,
    listen: { host: config.host, port: config.port },
  });
  // A busy port says only that a Dockhand may already run: not a reason a sandbox cannot start.
  const blocking = sandboxBlockers(rows.filter((row) => row.check !== 'port'));
  print('Dockhand doctor: can this host run sandboxes?');
  for (const line of formatReport(rows)) print(line);
  if (blocking.length > 0) {
    print(`\nno sandbox can start here: fix the problem${blocking.length === 1 ? '' : 's'} above, then run \`npm run doctor\` again.`);
    return 1;
  }
  print('proof    starting one sandbox …');
  const result = await proof(backendHost);
  for (const line of formatReport([result])) print(line);
  if (result.status !== 'ok') return 1;
  print('\nthis host can run Dockhand.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`dockhand doctor: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
