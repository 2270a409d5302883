// The lesson page: wires the learner's session to the terminals, the editor, the preview links, the
// runnable code blocks and the exercises. The page is readable before any of this runs.
import { enableDivider } from './divider.ts';
import { createLazyEditor } from './editor.ts';
// Defines <dockhand-engine>, the Engine tab.
import './engine-view.ts';
import type { EngineViewElement } from './engine-view.ts';
import { followEvents } from './events.ts';
import type { ExerciseElement, ExerciseStateEvent } from './exercise.ts';
import { enableExercises } from './exercises.ts';
import { learnerView } from './learner.ts';
import { enableMoreMenu } from './more-menu.ts';
import { enablePanes } from './panes.ts';
import { followPorts } from './preview.ts';
// Defines <dockhand-device>, "Use on another device".
import './device.ts';
// Defines <dockhand-code>, the lesson's code blocks.
import './code-block.ts';
import type { CodeRunEvent } from './code-block.ts';
import { api, createSessionController, type SessionState } from './session.ts';
// Defines <dockhand-tabs>, the workspace's tab list.
import './tabs.ts';
import type { TabShowEvent, TabsElement } from './tabs.ts';
import { createTerminals } from './terminals.ts';
import { announceWorkshopChange } from './workshop-change.ts';

const workspace = document.getElementById('workspace') as HTMLElement;
const article = document.getElementById('main') as HTMLElement;
const banner = document.getElementById('session-banner') as HTMLElement;
const bannerMessage = banner.querySelector('.message') as HTMLElement;
const bannerAction = banner.querySelector('.session-action') as HTMLButtonElement;
const bannerLink = banner.querySelector('.session-link') as HTMLAnchorElement;
const lesson = workspace.dataset.lesson as string;

const controller = createSessionController(lesson);
const editor = createLazyEditor(document.getElementById('panel-editor') as HTMLElement);
const tabs = workspace.querySelector('dockhand-tabs') as TabsElement;
const layout = document.getElementById('layout') as HTMLElement;
/** The workspace tab on show; the others were hidden. */
const tabShown = (tab: HTMLElement | undefined) => {
  if (tab?.id === 'tab-editor') void editor.show();
  else void editor.hide();
  if (tab) terminals.shown(tab);
};
tabs.addEventListener('tab-show', (event) => tabShown((event as TabShowEvent).detail.tab));
const terminals = createTerminals(workspace, tabs, (ended) => controller.ended(ended));
const exercises = enableExercises(article, lesson, showProgress);
const panes = enablePanes(document.getElementById('pane-switch') as HTMLElement, layout, () => {
  // Hidden with its pane (on a phone), the workspace's tab comes back when the pane does.
  const now = panes.isShown('workspace');
  if (now !== workspaceShown) tabShown(now ? tabs.selected() : undefined);
  workspaceShown = now;
});
let workspaceShown = panes.isShown('workspace');

enableDivider(document.getElementById('divider') as HTMLElement, layout);
enableMoreMenu(document.getElementById('workspace-more') as HTMLElement);
document.addEventListener('code-run', (event) => {
  const run = (event as CodeRunEvent).detail;
  if (controller.state.kind === 'ended') run.why = 'Sandbox ended';
  if (controller.state.kind !== 'active') return;
  panes.show('workspace');
  run.ran = terminals.run(run.terminal, run.command, run.interrupt, run.button);
});

// Without a script the link goes to the workspace; with one, into the terminal itself.
(document.getElementById('skip-to-terminal') as HTMLElement).addEventListener('click', (event) => {
  event.preventDefault();
  panes.show('workspace');
  terminals.focus();
});

const tickNotice = document.getElementById('tick-notice') as HTMLElement;
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
  const progress = document.getElementById('lesson-progress');
  if (!progress || total === 0) return;
  (progress.querySelector('progress') as HTMLProgressElement).value = passed;
  (progress.querySelector('.count') as HTMLElement).textContent = `${passed} of ${total} exercise${total === 1 ? '' : 's'} done`;
}

function showBanner(
  state: SessionState['kind'] | 'warning' | 'resuming' | 'resumed',
  message: string,
  action?: string,
  link?: string,
): void {
  banner.dataset.state = state;
  bannerMessage.textContent = message;
  bannerAction.hidden = !action;
  if (action) bannerAction.textContent = action;
  bannerLink.hidden = !link;
  if (link) bannerLink.textContent = link;
}

bannerAction.addEventListener('click', () => {
  const state = controller.state;
  // During a timeout warning the button keeps the sandbox: any API call counts as activity.
  if (banner.dataset.state === 'resumed' || state.kind === 'resume_failed') askBeforeFresh();
  else if (state.kind === 'active') void api(state.session, 'GET', `/api/sessions/${state.session.id}`).then(hideWarning);
  else if (state.kind === 'ended') void controller.restart();
  else if (state.kind === 'workshop_ended') void controller.continueAlone();
  // A failure (the server was out of reach, say): the stored session may well still live.
  else void controller.resume();
});

const broadcast = document.getElementById('broadcast') as HTMLElement;
(broadcast.querySelector('.dismiss') as HTMLButtonElement).addEventListener('click', () => {
  broadcast.hidden = true;
});

/** The instructor's words go in as text, never as HTML. */
function showBroadcast(message: string): void {
  (broadcast.querySelector('.message') as HTMLElement).textContent = message;
  broadcast.hidden = false;
}

function hideWarning(): void {
  if (banner.dataset.state === 'warning') showBanner('active', 'Your sandbox is ready.');
}

// Ending on purpose asks whether the learner's work is kept for their next sandbox.
const endButton = document.getElementById('end-sandbox') as HTMLButtonElement;
const endConfirm = document.getElementById('end-confirm') as HTMLElement;
endButton.addEventListener('click', () => {
  endConfirm.hidden = false;
  (endConfirm.querySelector('button') as HTMLButtonElement).focus();
});
endConfirm.addEventListener('click', (event) => {
  const choice = (event.target as HTMLElement).closest('button')?.dataset.end;
  if (!choice) return;
  endConfirm.hidden = true;
  if (choice === 'cancel') return endButton.focus();
  void controller.end(choice === 'keep');
});

/** How long the "back as you left it" notice (with its Start fresh button) stays. */
const RESUMED_NOTICE_MS = 30_000;
let resumedTimer: ReturnType<typeof setTimeout> | undefined;

// Starting fresh deletes the kept work for good: the learner says so first, and "Keep my work" is the default.
const freshConfirm = document.getElementById('fresh-confirm') as HTMLElement;
function askBeforeFresh(): void {
  clearTimeout(resumedTimer);
  freshConfirm.hidden = false;
  (freshConfirm.querySelector('[data-fresh="cancel"]') as HTMLButtonElement).focus();
}
freshConfirm.addEventListener('click', (event) => {
  const choice = (event.target as HTMLElement).closest('button')?.dataset.fresh;
  if (!choice) return;
  freshConfirm.hidden = true;
  if (choice === 'delete') return void controller.startFresh();
  // A kept sandbox that did not start stays as it is, its choice on the banner; a resumed one says so again.
  if (controller.state.kind !== 'resume_failed') showResumed();
  bannerAction.focus();
});

/** Says the sandbox came back on the learner's kept work, with a Start fresh button, for a while. */
function showResumed(): void {
  showBanner('resumed', 'Your sandbox is back as you left it: your files, images, volumes and stopped containers.', 'Start fresh');
  resumedTimer = setTimeout(() => banner.dataset.state === 'resumed' && showBanner('active', 'Your sandbox is ready.'), RESUMED_NOTICE_MS);
}

const engineView = workspace.querySelector('dockhand-engine') as EngineViewElement;

let stopFollowing: (() => void) | undefined;

controller.subscribe((state) => {
  stopFollowing?.();
  stopFollowing = undefined;
  endButton.hidden = state.kind !== 'active';
  if (state.kind !== 'active') endConfirm.hidden = true;
  freshConfirm.hidden = true;
  clearTimeout(resumedTimer);
  if (state.kind === 'active') {
    if (state.resumed) showResumed();
    else showBanner('active', 'Your sandbox is ready.');
    terminals.attach(state.session);
    const ports = followPorts(workspace.querySelector('.port-list') as HTMLElement, state.session);
    const events = followEvents(state.session, lesson, controller, (event) => {
      if (event.type === 'exercise') exercises.result(event);
      if (event.type === 'warning') showBanner('warning', event.message, 'Keep my sandbox');
      if (event.type === 'broadcast') showBroadcast(event.message);
      if (event.type === 'workshop') announceWorkshopChange();
      if (event.type === 'engine') {
        engineView.update(event.snapshot);
        ports.engineChanged(event.snapshot);
      }
      if (event.type === 'engine-problem') engineView.problem(event.message);
    });
    // Typing in a terminal or clicking is activity that keeps the sandbox: the timeout warning goes.
    workspace.addEventListener('keydown', hideWarning);
    document.addEventListener('click', hideWarning);
    stopFollowing = () => {
      events.stop();
      ports.stop();
      workspace.removeEventListener('keydown', hideWarning);
      document.removeEventListener('click', hideWarning);
    };
    noSandbox('Your sandbox is not ready yet; wait for the terminal to connect.');
    void editor.setSession(state.session);
    void exercises.setSession(state.session);
    return;
  }
  const gone = state.kind === 'ended' || state.kind === 'failed' || state.kind === 'unavailable' || state.kind === 'resume_failed';
  const why = gone
    ? `${state.message} ${state.kind === 'ended' ? 'Start a new sandbox (above the terminal) to go on.' : ''}`.trim()
    : 'Your sandbox is not ready yet; wait for the terminal to connect.';
  noSandbox(why);
  void editor.setSession(undefined, gone ? why : undefined);
  void exercises.setSession(undefined);
  engineView.clear(
    state.kind === 'ended' || state.kind === 'failed' ? 'Your sandbox has ended: its engine is gone.' : 'Waiting for your sandbox…',
  );
  if (state.kind === 'none' || state.kind === 'claiming') {
    showBanner('claiming', 'Starting your sandbox…');
    terminals.detach('Starting your sandbox…', 'connecting');
  } else if (state.kind === 'queued') {
    const place = state.position === 1 ? 'You are next in line' : `You are number ${state.position} in line`;
    showBanner('claiming', `Every sandbox on this server is in use. ${place}; yours starts by itself.`);
    terminals.detach(`Waiting for a free sandbox: ${place.toLowerCase()}.`, 'connecting');
  } else if (state.kind === 'workshop_ended') {
    announceWorkshopChange();
    showBanner(state.kind, state.message, 'Continue on your own', 'See what you achieved');
    terminals.detach(state.message, 'ended');
  } else if (state.kind === 'resume_failed') {
    showBanner(state.kind, `${state.message} Reload the page to try again.`, 'Start fresh…');
    terminals.detach('Your kept sandbox did not start.', 'ended');
  } else if (state.kind === 'unavailable') {
    showBanner(state.kind, `${state.message} This page tries again by itself.`, 'Try again now');
    terminals.detach('No sandbox can start on this server right now.', 'ended');
  } else {
    showBanner(state.kind, state.message, state.kind === 'ended' ? 'Start a new sandbox' : 'Try again');
    terminals.detach(state.message, 'ended');
  }
});

showBanner('resuming', 'Connecting to your sandbox…');
// What the learner achieved shows at once, before (and without) a sandbox.
void learnerView().then((me) => me && exercises.showProgress(me.progress));
void controller.resume();
