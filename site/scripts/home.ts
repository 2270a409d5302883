// The home page: marks the learner's progress on each lesson when a session exists (never starts one).
import type { ProgressView, SessionView } from '../../sandbox-server/protocol/sessions.ts';
import { api, endedMessage, endedOf, storedSession } from './session.ts';

async function showProgress(): Promise<void> {
  const session = storedSession();
  const note = document.getElementById('session-note') as HTMLElement;
  if (!session) return;
  try {
    const view = await api<SessionView>(session, 'GET', `/api/sessions/${session.id}`);
    if (view.state === 'ended') {
      note.textContent = `${endedMessage(endedOf(view), session.idleSeconds)} Opening a lesson starts a new one.`;
      return;
    }
    note.textContent = 'Your sandbox is still running: pick up where you left off.';
    const progress = await api<ProgressView>(session, 'GET', `/api/sessions/${session.id}/progress`);
    for (const item of document.querySelectorAll<HTMLElement>('.course-item')) {
      const ids = (item.dataset.exercises ?? '').split(' ').filter(Boolean);
      const passed = ids.filter((id) => progress.exercises[`${item.dataset.lesson}/${id}`]?.passed).length;
      const mark = item.querySelector('.progress') as HTMLElement;
      if (ids.length > 0 && passed > 0) mark.textContent = passed === ids.length ? '✓ all done' : `${passed} of ${ids.length} done`;
    }
  } catch {
    // Progress is a nicety here: the list works without it.
  }
}

void showProgress();
