// The home page: marks the learner's progress on each lesson when a session exists (never starts one).
import { api, endedMessage, storedSession } from './session.ts';

type Progress = { exercises: Record<string, { passed: boolean }> };

async function showProgress(): Promise<void> {
  const session = storedSession();
  const note = document.getElementById('session-note') as HTMLElement;
  if (!session) return;
  try {
    const view = await api<{ state: string; endReason?: string }>(session, 'GET', `/api/sessions/${session.id}`);
    if (view.state === 'ended') {
      note.textContent = `${endedMessage(view.endReason, session.idleSeconds)} Opening a lesson starts a new one.`;
      return;
    }
    note.textContent = 'Your sandbox is still running: pick up where you left off.';
    const progress = await api<Progress>(session, 'GET', `/api/sessions/${session.id}/progress`);
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
