// What a check may look at: the learner's own engine, and commands run as the learner in the sandbox.
import { type CommandResult, type InnerEngine, runAsLearner, type Sandbox, type SandboxBackend } from '../sandboxes/backend.ts';

export type CheckContext = {
  engine: InnerEngine;
  run(argv: string[]): Promise<CommandResult>;
};

export function checkContext(backend: SandboxBackend, sandbox: Sandbox): CheckContext {
  return { engine: backend.innerEngine(sandbox), run: (argv) => runAsLearner(backend, sandbox, argv) };
}

/** `passed: false` always comes with one plain sentence saying what is still missing. */
export type CheckResult = { passed: boolean; message: string };

export const pass = (message = 'done'): CheckResult => ({ passed: true, message });
export const fail = (message: string): CheckResult => ({ passed: false, message });

/** Runs a small shell script as the learner with arguments passed safely as $1, $2, … */
export function runScript(ctx: CheckContext, script: string, ...args: string[]): Promise<CommandResult> {
  return ctx.run(['sh', '-c', script, 'check', ...args]);
}
