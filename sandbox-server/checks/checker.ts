// Live checking for sessions: follows each learner's engine and re-evaluates the open (not yet passed)
// exercises of the lessons they have open, pushing results on the session's events socket. A pass is
// recorded at once and stays (progress is monotonic); only explicit checks count as failed attempts.
import type { Exercise, Lesson } from '../course/types.ts';
import { DockhandError } from '../errors.ts';
import type { EventsWatch, SandboxBackend } from '../sandboxes/backend.ts';
import type { EventBus } from '../sessions/events.ts';
import type { LiveSession } from '../sessions/sessions.ts';
import type { Store } from '../store/store.ts';
import { type CheckResult, withCheckContext } from './context.ts';
import { evaluateExercise } from './evaluate.ts';

/** Typing pauses this long before the checker looks again (files the engine does not report). */
const NUDGE_DELAY_MS = 1000;
/** Checks on demand that one session may have running at once; a learner's script cannot pile up more. */
export const CHECKS_IN_FLIGHT = 2;

export type Checker = {
  /** Evaluates one exercise now (the Check button): recorded, published, returned. */
  check(session: LiveSession, lesson: Lesson, exercise: Exercise): Promise<CheckResult>;
  /** Starts following a session's engine for a lesson's exercises; again, it evaluates and sends every result afresh. */
  watch(session: LiveSession, lesson: Lesson): void;
  /** Something the engine does not report happened (a file saved, the terminal went quiet). */
  nudge(sessionId: string): void;
  forget(sessionId: string): void;
  close(): void;
};

type Watched = {
  session: LiveSession;
  lessons: Map<string, Lesson>;
  watch: EventsWatch;
  running: Promise<void> | undefined;
  again: boolean;
  /** Last message published per exercise, so unchanged results are not sent again. */
  published: Map<string, string>;
  nudgeTimer: NodeJS.Timeout | undefined;
};

export type CheckerDeps = {
  store: Store;
  events: EventBus;
  sandboxes: SandboxBackend;
  /** How long the engine's events are gathered after the first (sandboxes/events.ts has the default). */
  windowMs?: number;
  /** A live re-evaluation failed (the learner can still press Check). */
  onError?: (error: Error) => void;
  /** A live re-evaluation finished, after this many seconds. */
  onEvaluated?: (seconds: number) => void;
};

export function createChecker(deps: CheckerDeps): Checker {
  const { store, events, sandboxes } = deps;
  const watched = new Map<string, Watched>();
  const checking = new Map<string, number>();

  /** To the learner's page; to the dashboard only what changes its table (a pass, a recorded check). */
  function publish(session: LiveSession, lesson: string, exercise: string, result: CheckResult, dashboard: boolean): void {
    events.publish(session.record.id, { type: 'exercise', lesson, exercise, passed: result.passed, message: result.message });
    if (dashboard && session.record.workshop)
      events.publish(`workshop:${session.record.workshop}`, {
        type: 'progress',
        sessionId: session.record.id,
        lesson,
        exercise,
        passed: result.passed,
      });
  }

  /** The open exercises side by side, each published as soon as it is known. */
  async function reevaluate(entry: Watched): Promise<void> {
    const id = entry.session.record.id;
    const passed = new Set(
      store
        .progress(id)
        .filter((row) => row.passedAt !== null)
        .map((row) => `${row.lesson}/${row.exercise}`),
    );
    const open = [...entry.lessons.values()].flatMap((lesson) =>
      lesson.exercises.filter((exercise) => !passed.has(`${lesson.slug}/${exercise.id}`)).map((exercise) => ({ lesson, exercise })),
    );
    await withCheckContext(sandboxes, entry.session.sandbox, (ctx) =>
      Promise.all(
        open.map(async ({ lesson, exercise }) => {
          const key = `${lesson.slug}/${exercise.id}`;
          const result = await evaluateExercise(exercise, ctx);
          if (!watched.has(id)) return;
          if (result.passed) store.recordCheck(id, lesson.slug, exercise.id, true, result.message, Date.now());
          if (entry.published.get(key) !== result.message) {
            entry.published.set(key, result.message);
            publish(entry.session, lesson.slug, exercise.id, result, result.passed);
          }
        }),
      ),
    );
  }

  /** One evaluation at a time per session; changes during a run cause exactly one more run. */
  function schedule(entry: Watched): void {
    if (entry.running) {
      entry.again = true;
      return;
    }
    const started = performance.now();
    entry.running = reevaluate(entry)
      .then(() => deps.onEvaluated?.((performance.now() - started) / 1000))
      .catch((error: Error) => deps.onError?.(error))
      .finally(() => {
        entry.running = undefined;
        if (entry.again) {
          entry.again = false;
          schedule(entry);
        }
      });
  }

  return {
    async check(session, lesson, exercise) {
      const id = session.record.id;
      const running = checking.get(id) ?? 0;
      if (running >= CHECKS_IN_FLIGHT)
        throw new DockhandError('rate_limited', 'Your last checks are still running; wait for their results.', 1);
      checking.set(id, running + 1);
      let result: CheckResult;
      try {
        result = await withCheckContext(sandboxes, session.sandbox, (ctx) => evaluateExercise(exercise, ctx));
      } finally {
        const left = (checking.get(id) ?? 1) - 1;
        if (left > 0) checking.set(id, left);
        else checking.delete(id);
      }
      store.recordCheck(session.record.id, lesson.slug, exercise.id, result.passed, result.message, Date.now());
      watched.get(session.record.id)?.published.set(`${lesson.slug}/${exercise.id}`, result.message);
      publish(session, lesson.slug, exercise.id, result, true);
      return result;
    },

    watch(session, lesson) {
      const id = session.record.id;
      let entry = watched.get(id);
      if (!entry) {
        const created: Watched = {
          session,
          lessons: new Map(),
          watch: sandboxes.watchEvents(session.sandbox, () => schedule(created), { windowMs: deps.windowMs }),
          running: undefined,
          again: false,
          published: new Map(),
          nudgeTimer: undefined,
        };
        watched.set(id, created);
        entry = created;
      }
      // Asked again (an events socket opened): the results are sent afresh, so a page that connected
      // after the first evaluation still gets them.
      if (entry.lessons.has(lesson.slug))
        for (const key of entry.published.keys()) if (key.startsWith(`${lesson.slug}/`)) entry.published.delete(key);
      entry.lessons.set(lesson.slug, lesson);
      schedule(entry);
    },

    nudge(sessionId) {
      const entry = watched.get(sessionId);
      if (!entry) return;
      clearTimeout(entry.nudgeTimer);
      entry.nudgeTimer = setTimeout(() => schedule(entry), NUDGE_DELAY_MS);
    },

    forget(sessionId) {
      const entry = watched.get(sessionId);
      if (!entry) return;
      entry.watch.stop();
      clearTimeout(entry.nudgeTimer);
      watched.delete(sessionId);
    },

    close() {
      for (const id of [...watched.keys()]) this.forget(id);
    },
  };
}
