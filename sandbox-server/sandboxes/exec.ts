// Runs a command in a sandbox as the learner, with optional stdin and a time limit, keeping its output as
// bytes (file contents need not be UTF-8). runInSandbox wraps it for commands whose output is text.
import { PassThrough } from 'node:stream';
import type { Engine } from './docker.ts';
import { LEARNER_UID, type Sandbox } from './sandbox.ts';

export type ExecOutput = { exitCode: number; stdout: Buffer; stderr: string };

export type ExecOptions = { stdin?: Buffer; timeoutMs: number };

export async function execAsLearner(host: Engine, sandbox: Sandbox, argv: string[], options: ExecOptions): Promise<ExecOutput> {
  const withStdin = options.stdin !== undefined;
  const exec = await host.getContainer(sandbox.containerName).exec({
    Cmd: argv,
    User: `${LEARNER_UID}:${LEARNER_UID}`,
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
  });
  // hijack keeps the output flowing after stdin is closed; closing it is how the command sees EOF.
  const stream = await exec.start({ hijack: true, stdin: withStdin });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (chunk: Buffer) => out.push(chunk));
  const stderr = new PassThrough().on('data', (chunk: Buffer) => err.push(chunk));
  host.modem.demuxStream(stream, stdout, stderr);
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    // EPIPE: the command exited without reading all of stdin (a refusal); its exit code says why.
    stream.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? resolve() : reject(error)));
  });
  if (withStdin) stream.end(options.stdin);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
      reject(new Error(`${argv[0]} did not finish within ${options.timeoutMs / 1000} s`));
    }, options.timeoutMs);
  });
  try {
    await Promise.race([finished, timedOut]);
  } finally {
    clearTimeout(timer);
  }
  return { exitCode: await exitCodeOf(exec), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

/** The output stream can end a moment before the engine records the exit code. */
async function exitCodeOf(exec: { inspect(): Promise<{ Running: boolean; ExitCode: number | null }> }): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the sandbox did not report how a command ended');
}
