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
/** Of a command's output, each stream keeps its first and its last this many bytes. */
export const EXEC_KEEP_BYTES = 64 * 1024;
/**
 * A stream that prints more than this is no longer read: the command finds its output closed (and
 * usually dies of SIGPIPE). Reading on would cost the server a core for as long as a learner's flood lasts.
 */
export const EXEC_READ_MAX_BYTES = 8 * 1024 * 1024;
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
  const cutOff = () => (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  const out = boundedOutput(cutOff, options.stdoutBytes);
  const err = boundedOutput(cutOff);
  const stdout = new PassThrough().on('data', out.push);
  const stderr = new PassThrough().on('data', err.push);
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
  const cut = out.cut() || err.cut();
  return { exitCode: await exitCodeOf(exec, cut), stdout: out.bytes(), stderr: err.bytes().toString() };
}

/**
 * One output stream of a command, held to its first `headBytes` and last EXEC_KEEP_BYTES with a line
 * between saying how much was left out; past EXEC_READ_MAX_BYTES, `tooMuch` is called to stop reading.
 */
export function boundedOutput(tooMuch: () => void, keepFirst = EXEC_KEEP_BYTES) {
  const keepHead = Math.min(keepFirst, EXEC_READ_MAX_BYTES);
  const head: Buffer[] = [];
  let headBytes = 0;
  let tail = Buffer.alloc(0);
  let total = 0;
  return {
    push: (chunk: Buffer) => {
      total += chunk.length;
      const forHead = Math.min(chunk.length, keepHead - headBytes);
      if (forHead > 0) {
        head.push(chunk.subarray(0, forHead));
        headBytes += forHead;
      }
      const rest = chunk.subarray(forHead);
      if (rest.length > 0) tail = Buffer.concat([tail, rest]).subarray(-EXEC_KEEP_BYTES);
      if (total > EXEC_READ_MAX_BYTES) tooMuch();
    },
    /** Whether anything was left out. */
    cut: () => total > headBytes + tail.length,
    bytes(): Buffer {
      const left = total - headBytes - tail.length;
      if (left <= 0) return Buffer.concat([...head, tail]);
      const said = total > EXEC_READ_MAX_BYTES ? `${left} or more bytes` : `${left} bytes`;
      return Buffer.concat([...head, Buffer.from(`\n[… ${said} of output cut here by Dockhand …]\n`), tail]);
    },
  };
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
    Cmd: [ENTER_AS_LEARNER, ...argv],
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

/**
 * The output stream can end a moment before the engine records the exit code; a command whose output
 * was cut off may take longer, until its next write fails.
 */
async function exitCodeOf(exec: { inspect(): Promise<{ Running: boolean; ExitCode: number | null }> }, cut: boolean): Promise<number> {
  for (let attempt = 0; attempt < (cut ? 500 : 100); attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the sandbox did not report how a command ended');
}
