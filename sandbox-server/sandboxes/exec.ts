// Commands in a sandbox container as the learner: one with optional stdin and a time limit, keeping its
// output as bytes; or one on a TTY for a terminal. Every one starts inside the learner's own namespaces
// (the image's dockhand-enter), never in the sandbox's user namespace, which is the host's: a check's
// `docker` or `git` reads the learner's home, and what it runs there must stay the learner's.
import { type Duplex, PassThrough } from 'node:stream';
import type { ExecOptions, ExecOutput, TerminalAttachment } from './backend.ts';
import type { Engine } from './docker.ts';
import { ENTER_AS_LEARNER, LEARNER_UID } from './learner.ts';
import type { SandboxContainer } from './sandbox.ts';

const DEFAULT_TIMEOUT_MS = 300_000;
const LEARNER = `${LEARNER_UID}:${LEARNER_UID}`;

export async function execAsLearner(
  host: Engine,
  sandbox: SandboxContainer,
  argv: string[],
  options: ExecOptions = {},
): Promise<ExecOutput> {
  const withStdin = options.stdin !== undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const exec = await host.getContainer(sandbox.containerName).exec({
    Cmd: [ENTER_AS_LEARNER, ...argv],
    User: LEARNER,
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
      reject(new Error(`${argv[0]} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    await Promise.race([finished, timedOut]);
  } finally {
    clearTimeout(timer);
  }
  return { exitCode: await exitCodeOf(exec), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

export async function attachTerminal(
  host: Engine,
  sandbox: SandboxContainer,
  argv: string[],
  env: Record<string, string>,
): Promise<TerminalAttachment> {
  const exec = await host.getContainer(sandbox.containerName).exec({
    Cmd: [ENTER_AS_LEARNER, ...argv],
    Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
    User: LEARNER,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
  });
  // hijack + stdin: a plain attach would end the output when input ends.
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  return {
    stream,
    resize: async ({ cols, rows }) => {
      await exec.resize({ w: cols, h: rows });
    },
  };
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
