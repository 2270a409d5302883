// The resume page: takes a code from another device without starting a sandbox, and says beforehand what
// becomes of what this browser already holds (its own progress stays with its own code; a sandbox it
// still runs is ended with its work kept for that code).
import type { LearnerView } from '../../sandbox-server/protocol/learners.ts';
import { storedLearner } from './learner.ts';
import { enableResumeForm } from './resume-form.ts';
import { api, forgetStoredSession, storedSession } from './session.ts';

const note = document.getElementById('resume-note') as HTMLElement;
/** Who this browser was before a code: entering its own code changes nothing. */
const previous = storedLearner();

async function describeThisBrowser(): Promise<void> {
  // No identity yet: none is made just to look.
  const me = previous ? await api<LearnerView>(previous, 'GET', '/api/learners/me').catch(() => undefined) : undefined;
  const passed = me ? Object.values(me.progress.exercises).filter((entry) => entry.passed).length : 0;
  if (!me || (passed === 0 && !me.session)) {
    note.textContent = 'This browser holds no progress of its own yet, so nothing is lost.';
    return;
  }
  const progress = passed === 0 ? 'no exercises passed yet' : `${passed} exercise${passed === 1 ? '' : 's'} passed`;
  const sandbox = me.session ? ' Its sandbox is ended, and its files are kept with its own code.' : '';
  note.textContent =
    `This browser has progress of its own (${progress}). It is not merged: after the code, this browser ` +
    `goes on as the learner of that code, and its own progress stays with its own resume code, ` +
    `${me.resumeCode}; note it down to come back to it.${sandbox}`;
}

/** The sandbox this browser ran belongs to the identity it leaves: it ends, its work kept for that identity. */
async function endPreviousSandbox(): Promise<void> {
  const session = storedSession();
  forgetStoredSession();
  if (session) await api(session, 'DELETE', `/api/sessions/${session.id}?keep=work`).catch(() => {});
}

enableResumeForm(document.getElementById('resume-form') as HTMLFormElement, async () => {
  if (storedLearner()?.id !== previous?.id) await endPreviousSandbox();
  location.assign('/progress/');
});
void describeThisBrowser();
