// Sandboxes for the integration suites, made through the same backend the server uses, on the network
// and mirror global-setup prepared.
import { inject } from 'vitest';
import { runAsLearner, type Sandbox, type SandboxBackend } from '../../sandbox-server/sandboxes/backend.ts';
import { createDindBackend } from '../../sandbox-server/sandboxes/dind.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import type { SandboxLimits } from '../../sandbox-server/sandboxes/sandbox.ts';
import { testConfig } from './env.ts';

export function testBackend(limits?: Partial<SandboxLimits>): SandboxBackend {
  const options = sandboxOptions(testConfig(), inject('sandboxHost'));
  return createDindBackend(connectHostEngine(), { ...options, limits: { ...options.limits, ...limits } });
}

export type TestSandbox = {
  backend: SandboxBackend;
  sandbox: Sandbox;
  /** A command as the learner, its output as text. */
  run(argv: string[]): ReturnType<typeof runAsLearner>;
  /** A shell script as the learner. */
  sh(script: string): ReturnType<typeof runAsLearner>;
  destroy(): Promise<void>;
};

/** A started sandbox whose engine answers. */
export async function startTestSandbox(backend = testBackend()): Promise<TestSandbox> {
  const sandbox = await backend.start();
  return {
    backend,
    sandbox,
    run: (argv) => runAsLearner(backend, sandbox, argv),
    sh: (script) => runAsLearner(backend, sandbox, ['sh', '-c', script]),
    destroy: () => backend.destroy(sandbox),
  };
}
