// What a check may look at: the learner's own engine, and commands run as the learner in the sandbox.
import { type CommandResult, type InnerEngine, runAsLearner, type Sandbox, type SandboxBackend } from '../sandboxes/backend.ts';

export type CheckContext = {
  engine: InnerEngine;
  run(argv: string[]): Promise<CommandResult>;
  /** Ends the engine client; whoever opened the context closes it. */
  close(): void;
};

export async function openCheckContext(backend: SandboxBackend, sandbox: Sandbox): Promise<CheckContext> {
  const engine = await backend.openEngine(sandbox);
  return { engine, run: (argv) => runAsLearner(backend, sandbox, argv), close: () => engine.close() };
}

/** Runs `work` with a context opened for it and closed after, whatever happens. */
export async function withCheckContext<T>(backend: SandboxBackend, sandbox: Sandbox, work: (ctx: CheckContext) => Promise<T>): Promise<T> {
  const ctx = await openCheckContext(backend, sandbox);
  try {
    return await work(ctx);
  } finally {
    ctx.close();
  }
}

/** `passed: false` always comes with one plain sentence saying what is still missing. */
export type CheckResult = { passed: boolean; message: string };

export const pass = (message = 'done'): CheckResult => ({ passed: true, message });
export const fail = (message: string): CheckResult => ({ passed: false, message });

/** Runs a small shell script as the learner with arguments passed safely as $1, $2, … */
export function runScript(ctx: CheckContext, script: string, ...args: string[]): Promise<CommandResult> {
  return ctx.run(['sh', '-c', script, 'check', ...args]);
}
