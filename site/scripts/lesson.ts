// The lesson page: wires the learner's session to the terminals, the editor, the preview links, the
// runnable code blocks and the exercises. The page is readable before any of this runs.
import { enableDivider } from './divider.ts';
import { createLazyEditor } from './editor.ts';
// Defines <dockhand-engine>, the Engine tab.
import './engine-view.ts';
import type { EngineViewElement } from './engine-view.ts';
import { followEvents } from './events.ts';
import { enableExercises } from './exercises.ts';
import { followPorts } from './preview.ts';
// Defines <dockhand-code>, the lesson's code blocks.
import './code-block.ts';
import type { CodeRunEvent } from './code-block.ts';
import { api, createSessionController, type SessionState } from './session.ts';
// Defines <dockhand-tabs>, the workspace's tab list.
import './tabs.ts';
import type { TabShowEvent, TabsElement } from './tabs.ts';
import { createTerminals } from './terminals.ts';

const workspace = document.getElementById('workspace') as HTMLElement;
const article = document.getElementById('main') as HTMLElement;
const banner = document.getElementById('session-banner') as HTMLElement;
const bannerMessage = banner.querySelector('.message') as HTMLElement;
const bannerAction = banner.querySelector('.session-action') as HTMLButtonElement;
const lesson = workspace.dataset.lesson as string;

const controller = createSessionController(lesson);
const editor = createLazyEditor(document.getElementById('panel-editor') as HTMLElement);
const tabs = workspace.querySelector('dockhand-tabs') as TabsElement;
tabs.addEventListener('tab-show', (event) => {
  const { tab } = (event as TabShowEvent).detail;
  if (tab.id === 'tab-editor') void editor.show();
  else terminals.shown(tab);
});
const terminals = createTerminals(workspace, tabs, (ended) => controller.ended(ended));
const exercises = enableExercises(article, lesson, showProgress);

enableDivider(document.getElementById('divider') as HTMLElement, document.getElementById('layout') as HTMLElement);
document.addEventListener('code-run', (event) => {
  const run = (event as CodeRunEvent).detail;
  run.ran = terminals.run(run.terminal, run.command, run.interrupt);
  // Stacked on a narrow screen, the terminal may be far below the block that was clicked.
  if (run.ran && workspace.getBoundingClientRect().top > innerHeight) {
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    workspace.scrollIntoView({ behavior: still ? 'auto' : 'smooth', block: 'start' });
  }
});

function showProgress(passed: number, total: number): void {
  const progress = document.getElementById('lesson-progress');
  if (!progress || total === 0) return;
  (progress.querySelector('progress') as HTMLProgressElement).value = passed;
  (progress.querySelector('.count') as HTMLElement).textContent = `${passed} of ${total} exercise${total === 1 ? '' : 's'} done`;
}

function showBanner(state: SessionState['kind'] | 'warning' | 'resuming', message: string, action?: string): void {
  banner.dataset.state = state;
  bannerMessage.textContent = message;
  bannerAction.hidden = !action;
  if (action) bannerAction.textContent = action;
}

bannerAction.addEventListener('click', () => {
  const state = controller.state;
  // During a timeout warning the button keeps the sandbox: any API call counts as activity.
  if (state.kind === 'active') void api(state.session, 'GET', `/api/sessions/${state.session.id}`).then(hideWarning);
  else if (state.kind === 'ended') void controller.restart();
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

const engineView = workspace.querySelector('dockhand-engine') as EngineViewElement;

let stopFollowing: (() => void) | undefined;

controller.subscribe((state) => {
  stopFollowing?.();
  stopFollowing = undefined;
  if (state.kind === 'active') {
    showBanner('active', 'Your sandbox is ready.');
    terminals.attach(state.session);
    const events = followEvents(state.session, lesson, controller, (event) => {
      if (event.type === 'exercise') exercises.result(event);
      if (event.type === 'warning') showBanner('warning', event.message, 'Keep my sandbox');
      if (event.type === 'broadcast') showBroadcast(event.message);
      if (event.type === 'engine') engineView.update(event.snapshot);
    });
    const ports = followPorts(workspace.querySelector('.port-list') as HTMLElement, state.session);
    // Typing in a terminal or running a block may publish a port, and is activity that keeps the sandbox.
    const nudge = () => {
      ports.nudge();
      hideWarning();
    };
    workspace.addEventListener('keydown', nudge);
    document.addEventListener('click', nudge);
    stopFollowing = () => {
      events.stop();
      ports.stop();
      workspace.removeEventListener('keydown', nudge);
      document.removeEventListener('click', nudge);
    };
    void editor.setSession(state.session);
    void exercises.setSession(state.session);
    return;
  }
  void editor.setSession(undefined);
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
  } else if (state.kind === 'unavailable') {
    showBanner(state.kind, `${state.message} This page tries again by itself.`, 'Try again now');
    terminals.detach('No sandbox can start on this server right now.', 'ended');
  } else {
    showBanner(state.kind, state.message, state.kind === 'ended' ? 'Start a new sandbox' : 'Try again');
    terminals.detach(state.message, 'ended');
  }
});

showBanner('resuming', 'Connecting to your sandbox…');
void controller.resume();
