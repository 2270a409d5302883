// What an operator scrapes from GET /api/metrics (Prometheus text format, via prom-client): live
// sandboxes, the pool, host problems, sandbox starts and failures by cause, start times, live-check times,
// and the process's own figures. Gauges read their values when scraped, so nothing has to keep them.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from './sandboxes/pool.ts';

export type MetricSources = {
  liveSessions: () => number;
  pool: () => PoolStats;
  hostProblems: () => number;
  /** Sessions waiting in line for a sandbox, and the bound on live ones. */
  admission: () => { waiting: number; max: number };
};

export type Metrics = {
  registry: Registry;
  sandboxStarted(seconds: number): void;
  /** `cause`: the check a failed start points at (tun, userns, …) or "sandbox" when unknown. */
  sandboxFailed(cause: string): void;
  liveCheck(seconds: number): void;
};

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dockhand_process_' });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('dockhand_sandboxes_live', "Sandboxes that belong to a live learner's session.", sources.liveSessions);
  gauge('dockhand_pool_target', 'Warm sandboxes the pool aims to keep ready.', () => sources.pool().target);
  gauge('dockhand_pool_ready', 'Warm sandboxes ready for the next learner.', () => sources.pool().ready);
  gauge('dockhand_pool_starting', 'Sandboxes the pool is starting now.', () => sources.pool().starting);
  gauge('dockhand_pool_failures_in_a_row', 'Sandbox starts that failed in a row (0 once one succeeds).', () => sources.pool().failures);
  gauge('dockhand_queue_length', 'Sessions waiting in line for a sandbox (the host is full).', () => sources.admission().waiting);
  gauge('dockhand_sandboxes_max', 'Live sandboxes allowed at once (DOCKHAND_MAX_SANDBOXES).', () => sources.admission().max);
  gauge('dockhand_host_problems', 'Host problems that stop every sandbox from starting (see /api/health).', sources.hostProblems);
  const starts = new Counter({
    name: 'dockhand_sandbox_starts_total',
    help: 'Sandbox starts by result, and failures by the host check they point at.',
    labelNames: ['result', 'cause'] as const,
    registers: [registry],
  });
  const startSeconds = new Histogram({
    name: 'dockhand_sandbox_start_seconds',
    help: 'From starting a sandbox to its engine answering.',
    buckets: [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
    registers: [registry],
  });
  const checkSeconds = new Histogram({
    name: 'dockhand_live_check_seconds',
    help: "Re-evaluating a learner's open exercises after their engine changed.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    sandboxStarted(seconds) {
      starts.inc({ result: 'ok', cause: '' });
      startSeconds.observe(seconds);
    },
    sandboxFailed(cause) {
      starts.inc({ result: 'failed', cause });
    },
    liveCheck: (seconds) => checkSeconds.observe(seconds),
  };
}
