// The home page: marks the learner's progress on each lesson, and says whether their sandbox still runs
// (never starts one).
import type { SessionView } from '../../sandbox-server/protocol/sessions.ts';
import { markCourse } from './course-progress.ts';
import { learnerView, storedLearner } from './learner.ts';
import { api, endedMessage, endedOf, storedSession } from './session.ts';

async function showProgress(): Promise<void> {
  const note = document.getElementById('session-note') as HTMLElement;
  try {
    if (storedLearner()) {
      const me = await learnerView();
      if (me) markCourse(me.progress);
    }
    const session = storedSession();
    if (!session) return;
    const view = await api<SessionView>(session, 'GET', `/api/sessions/${session.id}`);
    note.textContent =
      view.state === 'ended'
        ? `${endedMessage(endedOf(view), session.idleSeconds)} Opening a lesson starts a new one.`
        : 'Your sandbox is still running: pick up where you left off.';
  } catch {
    // Progress is a nicety here: the list works without it.
  }
}

void showProgress();
