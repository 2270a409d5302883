// Sandboxes for the integration suites, made through the same backend the server uses, on the network
// and mirror global-setup prepared.
import { PassThrough } from 'node:stream';
import { inject } from 'vitest';
import { type CommandResult, runAsLearner, type Sandbox, type SandboxBackend } from '../../sandbox-server/sandboxes/backend.ts';
import { createDindBackend } from '../../sandbox-server/sandboxes/dind.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxDirs, sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import { LEARNER_UID } from '../../sandbox-server/sandboxes/learner.ts';
import { describeSandbox, type SandboxLimits } from '../../sandbox-server/sandboxes/sandbox.ts';
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

/**
 * A shell script as uid 1000 in the sandbox container's own namespaces (the host's user namespace),
 * where Dockhand never runs anything of the learner's: for tests that look at the sandbox from outside
 * the learner's namespaces.
 */
export async function runOutsideLearner(sandbox: Sandbox, script: string): Promise<CommandResult> {
  const host = connectHostEngine();
  const container = host.getContainer(describeSandbox(sandboxDirs(testConfig()), sandbox.id).containerName);
  const exec = await container.exec({ Cmd: ['sh', '-c', script], User: `${LEARNER_UID}`, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  host.modem.demuxStream(
    stream,
    new PassThrough().on('data', (chunk: Buffer) => out.push(chunk)),
    new PassThrough().on('data', (chunk: Buffer) => err.push(chunk)),
  );
  await new Promise((resolve) => stream.on('end', resolve));
  let info = await exec.inspect();
  while (info.Running) info = await new Promise((resolve) => setTimeout(() => resolve(exec.inspect()), 20));
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
