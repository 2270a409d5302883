// The progress page: the learner's passes per lesson, and per workshop what they achieved there (the
// read-only view a participant keeps after the workshop ended). Text only goes in as text.
import type { LearnerWorkshopView } from '../../sandbox-server/protocol/learners.ts';
import { markCourse } from './course-progress.ts';
// Defines <dockhand-device>.
import './device.ts';
import { learnerView } from './learner.ts';

const note = document.getElementById('progress-note') as HTMLElement;

function workshopCard(workshop: LearnerWorkshopView): HTMLElement {
  const card = document.createElement('article');
  card.className = 'workshop-card';
  const title = document.createElement('h3');
  title.textContent = workshop.title;
  const passed = workshop.exercises.filter((exercise) => exercise.passed).length;
  const state = document.createElement('p');
  const when = workshop.state === 'ended' ? 'This workshop has ended.' : 'This workshop is running.';
  state.textContent = `${when} You took part as “${workshop.name}” and passed ${passed} of ${workshop.exercises.length} exercises.`;
  const list = document.createElement('ul');
  for (const exercise of workshop.exercises) {
    const item = document.createElement('li');
    item.dataset.passed = String(exercise.passed);
    item.textContent = `${exercise.title} (${exercise.lesson})${exercise.passed ? '' : ': not done'}`;
    list.append(item);
  }
  card.append(title, state, list);
  return card;
}

async function show(): Promise<void> {
  const me = await learnerView();
  if (!me) {
    note.textContent = 'Your progress cannot be loaded right now: the Dockhand server cannot be reached.';
    return;
  }
  markCourse(me.progress);
  const passed = Object.values(me.progress.exercises).filter((entry) => entry.passed).length;
  note.textContent =
    passed === 0 ? 'Nothing passed yet: open a lesson to start.' : `You passed ${passed} exercise${passed === 1 ? '' : 's'} so far.`;
  if (me.workshops.length === 0) return;
  (document.getElementById('workshop-list') as HTMLElement).replaceChildren(...me.workshops.map(workshopCard));
  (document.getElementById('workshops') as HTMLElement).hidden = false;
}

void show();
