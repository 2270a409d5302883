// Sandboxes that stop by themselves (the host's engine restarted): warm ones are replaced, learners' are
// started again on their disks; after a break in the news, everything held is proven alive. And what
// happens to sandboxes when the server starts (re-adoption) and stops, said once each.
import { type EventsWatch, isAlive, type PreparedBackend, type SandboxBackend } from '../sandboxes/backend.ts';
import type { Pool } from '../sandboxes/pool.ts';
import type { AdoptionReport, Sessions } from '../sessions/sessions.ts';

export function followSandboxes(deps: { sandboxes: SandboxBackend; pool: Pool; sessions: Sessions; log(line: string): void }): EventsWatch {
  const { sandboxes, pool, sessions, log } = deps;
  return sandboxes.watchSandboxes({
    onStopped: (id) => {
      if (pool.stopped(id)) return log(`pool: warm sandbox ${id} stopped; replacing it`);
      sessions
        .sandboxStopped(id)
        .then(
          (held) =>
            held && log(`a learner's sandbox ${id} stopped by itself; it was started again or its session ended with its disk kept`),
        )
        .catch((error: Error) => log(`bringing back sandbox ${id} failed: ${error.message}`));
    },
    onMissed: () => {
      log('the Docker Engine answers again after a break (did it restart?); checking every sandbox');
      pool.recheck().catch((error: Error) => log(`pool: re-checking failed: ${error.message}`));
      sessions
        .recheck((sandbox) => isAlive(sandboxes, sandbox))
        .catch((error: Error) => log(`re-checking sessions failed: ${error.message}`));
    },
  });
}

export function logAdoption(adoption: AdoptionReport, log: (line: string) => void): void {
  if (adoption.adopted + adoption.kept + adoption.lost + adoption.reaped + adoption.problems.length > 0) {
    log(
      `re-adopted ${adoption.adopted} sandbox(es); ended ${adoption.kept} session(s) whose sandbox did not come back in time (their learners' disks kept) and ${adoption.lost} whose sandbox and disk were gone; reaped ${adoption.reaped} orphan(s)`,
    );
  }
  for (const problem of adoption.problems) log(`re-adoption: ${problem}`);
}

/** At a stop: warm sandboxes go; learners' stay for the next start to re-adopt, when the engine still runs them. */
export async function stopSandboxes(deps: {
  host: PreparedBackend;
  pool: Pool;
  sessions: Sessions;
  log(line: string): void;
}): Promise<void> {
  // Said as it is: learners' sandboxes keep running only when the engine does (an engine Dockhand
  // started runs in its own session and outlives it; one stopped by hand took them down with it).
  const engineAnswers = await deps.host.describe().then(
    () => true,
    () => false,
  );
  const removed = await deps.pool.close({ remove: engineAnswers });
  const learners = deps.sessions.liveCount();
  deps.log(
    engineAnswers
      ? `stopped: removed ${removed} warm sandbox(es); ${learners} learner sandbox(es) keep running on the Docker Engine, and the next start re-adopts them`
      : `stopped: the Docker Engine no longer answers, so learners' sandboxes stopped with it; their disks stay on this host, and the next start (once the engine runs) brings back ${learners} learner sandbox(es)`,
  );
}
