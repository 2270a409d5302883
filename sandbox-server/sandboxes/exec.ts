// Commands in a sandbox container as the learner: one with optional stdin and a time limit, keeping its
// output as bytes; or one on a TTY for a terminal.
import { type Duplex, PassThrough } from 'node:stream';
import type { ExecOptions, ExecOutput, TerminalAttachment } from './backend.ts';
import type { Engine } from './docker.ts';
import { LEARNER_UID } from './learner.ts';
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
    Cmd: argv,
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

/**
 * Docker's exec swallows its detach keys (Ctrl-P Ctrl-Q unless told otherwise) and drops the connection,
 * so a learner's own `docker run -it` could never be detached from. Docker has no way to switch them off:
 * this sequence of rarely typed control keys (Ctrl-Space Ctrl-] Ctrl-^ Ctrl-_, twice) stands in for "none".
 * The engine holds back only a lone Ctrl-Space until the next key arrives, then passes both on.
 */
export const TERMINAL_DETACH_KEYS = 'ctrl-@,ctrl-],ctrl-^,ctrl-_,ctrl-@,ctrl-],ctrl-^,ctrl-_';

export async function attachTerminal(
  host: Engine,
  sandbox: SandboxContainer,
  argv: string[],
  env: Record<string, string>,
): Promise<TerminalAttachment> {
  const exec = await host.getContainer(sandbox.containerName).exec({
    Cmd: argv,
    Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
    User: LEARNER,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    DetachKeys: TERMINAL_DETACH_KEYS,
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
