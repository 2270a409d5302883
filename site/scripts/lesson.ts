// The lesson page: wires the learner's session to its workspace (<dockhand-workspace>: terminals, editor,
// previews, engine, banners), the runnable code blocks and the exercises. The page is readable before any
// of this runs; its parts are found by their data-part names.
import { enableDivider } from './divider.ts';
import { followEvents } from './events.ts';
import type { ExerciseElement, ExerciseStateEvent } from './exercise.ts';
import { enableExercises } from './exercises.ts';
import { learnerView } from './learner.ts';
import { followLessonImages } from './lesson-images.ts';
import { enablePanes } from './panes.ts';
import { part } from './parts.ts';
// Defines <dockhand-code>, the lesson's code blocks.
import './code-block.ts';
import type { CodeRunEvent } from './code-block.ts';
import { createSessionController } from './session.ts';
import { announceWorkshopChange } from './workshop-change.ts';
// Defines <dockhand-workspace>, the terminals, editor and engine beside the lesson.
import { WorkspaceElement, whyNoSandbox } from './workspace.ts';

const workspace = part(document, 'workspace', WorkspaceElement);
const article = part(document, 'lesson');
const layout = part(document, 'layout');
const lesson = workspace.lesson;

const controller = createSessionController(lesson);
const exercises = enableExercises(article, lesson, showProgress);
const panes = enablePanes(part(document, 'pane-switch'), layout, () => {
  // Hidden with its pane (on a phone), the workspace's tab comes back when the pane does.
  const now = panes.isShown('workspace');
  if (now !== workspaceShown) workspace.paneShown(now);
  workspaceShown = now;
});
let workspaceShown = panes.isShown('workspace');

enableDivider(part(document, 'divider'), layout);
document.addEventListener('code-run', (event) => {
  const run = (event as CodeRunEvent).detail;
  if (controller.state.kind === 'ended') run.why = 'Sandbox ended';
  if (controller.state.kind !== 'active') return;
  panes.show('workspace');
  run.ran = workspace.run(run.terminal, run.command, run.interrupt, run.button);
});

// Without a script the link goes to the workspace; with one, into the terminal itself.
part(document, 'skip-to-terminal').addEventListener('click', (event) => {
  event.preventDefault();
  panes.show('workspace');
  workspace.focusTerminal();
});

const tickNotice = part(document, 'tick-notice');
/** How long the pass notice stays; it stays while the pointer or focus is on it, and × closes it. */
const TICK_NOTICE_MS = 6_000;
let tickTimer: ReturnType<typeof setTimeout> | undefined;
const closeTickNotice = () => {
  clearTimeout(tickTimer);
  tickNotice.replaceChildren();
};
const closeTickNoticeLater = () => {
  clearTimeout(tickTimer);
  tickTimer = setTimeout(() => {
    if (!tickNotice.matches(':hover, :focus-within')) closeTickNotice();
  }, TICK_NOTICE_MS);
};
tickNotice.addEventListener('mouseleave', closeTickNoticeLater);
tickNotice.addEventListener('focusout', closeTickNoticeLater);
/** Says that an exercise just passed, for a while, in a corner away from the workspace; "Show" goes to the exercise. */
article.addEventListener('exercise-state', (event) => {
  const { justPassed, title } = (event as ExerciseStateEvent).detail;
  if (!justPassed) return;
  const exercise = event.target as ExerciseElement;
  const text = document.createElement('span');
  text.textContent = `✓ Passed: ${title}`;
  const show = document.createElement('button');
  show.type = 'button';
  show.textContent = 'Show';
  show.addEventListener('click', () => {
    closeTickNotice();
    panes.show('lesson');
    exercise.scrollIntoView({ block: 'center' });
    const heading = exercise.querySelector<HTMLElement>('.exercise-title');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  });
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.textContent = '×';
  close.setAttribute('aria-label', 'Close this notice');
  close.addEventListener('click', closeTickNotice);
  tickNotice.replaceChildren(text, show, close);
  closeTickNoticeLater();
});

/** What a button that needs the sandbox says while there is none. */
function noSandbox(message: string): void {
  for (const exercise of article.querySelectorAll<ExerciseElement>('dockhand-exercise')) exercise.noSandbox = message;
}

function showProgress(passed: number, total: number): void {
  const progress = document.querySelector('[data-part="lesson-progress"]');
  if (!progress || total === 0) return;
  part(progress, 'lesson-progress-bar', HTMLProgressElement).value = passed;
  part(progress, 'lesson-progress-count').textContent = `${passed} of ${total} exercise${total === 1 ? '' : 's'} done`;
}

workspace.follow(controller);
let stopEvents: (() => void) | undefined;
controller.subscribe((state) => {
  stopEvents?.();
  stopEvents = undefined;
  noSandbox(whyNoSandbox(state));
  if (state.kind === 'active') {
    const events = followEvents(state.session, lesson, controller, (event) => {
      if (event.type === 'exercise') exercises.result(event);
      if (event.type === 'workshop') announceWorkshopChange();
      workspace.sessionEvent(event);
    });
    stopEvents = () => events.stop();
    void exercises.setSession(state.session);
    return;
  }
  void exercises.setSession(undefined);
  if (state.kind === 'workshop_ended') announceWorkshopChange();
});

followLessonImages(part(document, 'images-notice'), lesson);
// What the learner achieved shows at once, before (and without) a sandbox.
void learnerView().then((me) => me && exercises.showProgress(me.progress));
void controller.resume();
