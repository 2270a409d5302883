// The warm pool as the server runs it: every start timed for the metrics, failures named on the host's
// status (so new learners are told the host's trouble) and logged with the sandbox's own trace once.
import type { Config } from '../config.ts';
import type { HostStatus } from '../host/status.ts';
import type { Metrics } from '../metrics.ts';
import { failureKey, isAlive, type SandboxBackend, SandboxStartError, type StartOptions, startProblem } from '../sandboxes/backend.ts';
import { createPool, type Pool, type RetryPolicy } from '../sandboxes/pool.ts';
import { startFirstShell } from '../terminal/terminal.ts';

export type ServerPoolDeps = {
  sandboxes: SandboxBackend;
  /** DOCKHAND_POOL_RETRY_FIRST and DOCKHAND_POOL_RETRY_MAX */
  retry: RetryPolicy;
  metrics: Metrics;
  hostStatus: HostStatus;
  log(line: string): void;
};

/** An empty pool (the server sizes it once sessions are adopted). */
export function createServerPool(deps: ServerPoolDeps): Pool {
  const { sandboxes, metrics, hostStatus, log } = deps;
  let lastFailure = '';
  const launch = async (startOptions?: StartOptions) => {
    const started = performance.now();
    const sandbox = await sandboxes.start(startOptions);
    metrics.sandboxStarted((performance.now() - started) / 1000);
    return sandbox;
  };
  return createPool(0, {
    launch,
    hasKeptDisk: async (key) => (await sandboxes.keptDisk(key)) !== undefined,
    destroy: (sandbox) => sandboxes.destroy(sandbox),
    isAlive: (sandbox, timeoutMs) => isAlive(sandboxes, sandbox, timeoutMs),
    prepare: (sandbox) => startFirstShell(sandboxes, sandbox),
    onDead: (sandbox) => log(`pool: warm sandbox ${sandbox.id} no longer answered; replacing it`),
    retry: deps.retry,
    onFailure: ({ error, consecutive, retryInMs }) => {
      const problem = startProblem(error);
      hostStatus.startFailed(problem);
      metrics.sandboxFailed(problem.check);
      log(`pool: sandbox start failed (${consecutive} in a row; next try in ${Math.round(retryInMs / 1000)} s): ${problem.message}`);
      // The sandbox's own trace once, and again only when it says something new.
      const key = failureKey(error);
      if (error instanceof SandboxStartError && key !== lastFailure)
        log(`pool: the failed sandbox printed:\n${error.detail.replace(/^/gm, '    ')}`);
      lastFailure = key;
    },
    onRecovered: () => {
      hostStatus.startSucceeded();
      lastFailure = '';
      log('pool: sandboxes start again');
    },
    onError: (error) => log(`pool: could not remove a sandbox: ${error instanceof Error ? error.message : String(error)}`),
  });
}

/**
 * The pool's size now. Hot start: it grows towards the people expected at a workshop about to start,
 * within what the host can hold; warm sandboxes count towards DOCKHAND_MAX_SANDBOXES too.
 */
export function poolTarget(
  config: Pick<Config, 'poolMax' | 'poolSize' | 'admission'>,
  workshopDemand: number,
  liveSessions: number,
): number {
  return Math.min(config.poolMax, config.poolSize + workshopDemand, Math.max(0, config.admission.maxSandboxes - liveSessions));
}
