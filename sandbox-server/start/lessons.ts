// What happens in a session once it has its sandbox: the lesson it opens gets its starter files and its
// exercises checked live, and a workshop's dashboard hears that its participant joined.
import { findLesson } from '../api/course.ts';
import type { Checker } from '../checks/checker.ts';
import type { Course } from '../course/load.ts';
import type { Lesson } from '../course/types.ts';
import type { SandboxBackend } from '../sandboxes/backend.ts';
import type { EventBus } from '../sessions/events.ts';
import type { LiveSession } from '../sessions/sessions.ts';
import { copyStarterFiles } from '../sessions/starter.ts';

export type SessionStarts = {
  /** A lesson opened in a session: its starter files arrive and its exercises are checked live. */
  openLesson(session: LiveSession, lesson: Lesson): Promise<void>;
  /** A session that got its sandbox (at once, or after waiting in line). */
  sessionStarted(session: LiveSession): Promise<void>;
};

export function sessionStarts(deps: {
  course: Course;
  courseDir: string;
  sandboxes: SandboxBackend;
  checker: Checker;
  events: EventBus;
  /** After each start: the pool's size follows the sessions. */
  resizePool(): void;
}): SessionStarts {
  const openLesson = async (session: LiveSession, lesson: Lesson) => {
    await copyStarterFiles(deps.sandboxes, session.sandbox, lesson, deps.courseDir);
    deps.checker.watch(session, lesson);
  };
  return {
    openLesson,
    async sessionStarted(session) {
      const { lesson, workshop, name } = session.record;
      if (lesson) await openLesson(session, findLesson(deps.course, lesson));
      if (workshop)
        deps.events.publish(`workshop:${workshop}`, {
          type: 'participant',
          sessionId: session.record.id,
          name: name ?? '',
          state: 'joined',
        });
      deps.resizePool();
    },
  };
}
