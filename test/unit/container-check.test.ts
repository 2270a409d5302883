// A `state: running` check waits for a young container to prove it keeps running; how long comes from the
// start time the learner's engine reports, which may say anything.
import { describe, expect, it } from 'vitest';
import { checkContainer, RUNNING_SETTLE_MS } from '../../sandbox-server/checks/container.ts';
import type { CheckContext } from '../../sandbox-server/checks/context.ts';
import { ContainerDetails, ContainerSummary, type InnerEngine } from '../../sandbox-server/sandboxes/inner-engine.ts';

/** A learner's engine with one running container, `web`, that reports `startedAt`; counts its inspections. */
function engineReporting(startedAt: string): { ctx: CheckContext; inspections: () => number } {
  let inspections = 0;
  const summary = ContainerSummary.parse({
    Id: 'c1',
    Names: ['/web'],
    Image: 'nginx',
    ImageID: 'sha256:1',
    State: 'running',
    Status: 'Up',
    Created: 0,
  });
  const details = ContainerDetails.parse({
    Id: 'c1',
    Name: '/web',
    Image: 'sha256:1',
    State: { Status: 'running', Running: true, ExitCode: 0, StartedAt: startedAt, FinishedAt: '' },
    Config: {},
    HostConfig: {},
  });
  const engine = {
    containers: async () => [summary],
    container: async () => {
      inspections++;
      return details;
    },
  } as Partial<InnerEngine> as InnerEngine;
  return { ctx: { engine, run: async () => ({ exitCode: 0, stdout: '', stderr: '' }), close() {} }, inspections: () => inspections };
}

describe('a running-state check against what the engine says about the start time', () => {
  it.each([
    ['a start time far in the future', '3000-01-01T00:00:00Z'],
    ['an unreadable start time', 'not a date'],
    ['no start time', ''],
  ])('waits at most RUNNING_SETTLE_MS for %s, then judges the container as inspected again', async (_, startedAt) => {
    const { ctx, inspections } = engineReporting(startedAt);
    const started = performance.now();
    const result = await checkContainer({ kind: 'container', name: 'web', state: 'running' }, ctx);
    const waited = performance.now() - started;
    expect(result).toMatchObject({ passed: true });
    expect(inspections()).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(RUNNING_SETTLE_MS - 20);
    expect(waited).toBeLessThan(RUNNING_SETTLE_MS + 500);
  });

  it('does not wait for a container up longer than that', async () => {
    const { ctx, inspections } = engineReporting(new Date(Date.now() - 60_000).toISOString());
    const started = performance.now();
    expect(await checkContainer({ kind: 'container', name: 'web', state: 'running' }, ctx)).toMatchObject({ passed: true });
    expect(performance.now() - started).toBeLessThan(RUNNING_SETTLE_MS / 2);
    expect(inspections()).toBe(1);
  });
});
