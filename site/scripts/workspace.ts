// <dockhand-workspace>: the workspace beside a lesson (components/Workspace.astro). It owns its tabs, its
// terminals, the editor, the preview links, the Engine tab and its banners (the sandbox's state, the
// instructor's message, the end and start-fresh questions), and finds each by its data-part name inside
// itself. The lesson page hands it the session controller and tells it what changed.

import { createLazyEditor } from './editor.ts';
// Defines <dockhand-engine>, the Engine tab.
import { EngineViewElement } from './engine-view.ts';
import type { SessionEvent } from './events.ts';
import { enableMoreMenu } from './more-menu.ts';
import { part } from './parts.ts';
import { followPorts } from './preview.ts';
// Defines <dockhand-device>, "Use on another device".
import './device.ts';
import { api, type SessionController, type SessionState } from './session.ts';
// Defines <dockhand-tabs>, the workspace's tab list.
import { type TabShowEvent, TabsElement } from './tabs.ts';
import { createTerminals } from './terminals.ts';

/** Is the sandbox gone for good (not merely on its way)? */
const sandboxGone = (state: SessionState): state is Extract<SessionState, { kind: 'ended' | 'failed' | 'unavailable' | 'resume_failed' }> =>
  state.kind === 'ended' || state.kind === 'failed' || state.kind === 'unavailable' || state.kind === 'resume_failed';

/** What a button or tab that needs the sandbox says while there is none. */
export function whyNoSandbox(state: SessionState): string {
  return sandboxGone(state)
    ? `${state.message} ${state.kind === 'ended' ? 'Start a new sandbox (above the terminal) to go on.' : ''}`.trim()
    : 'Your sandbox is not ready yet; wait for the terminal to connect.';
}

type BannerState = SessionState['kind'] | 'warning' | 'resuming' | 'resumed';

/** How long the "back as you left it" notice (with its Start fresh button) stays. */
const RESUMED_NOTICE_MS = 30_000;

export class WorkspaceElement extends HTMLElement {
  readonly #tabs = part(this, 'tabs', TabsElement);
  readonly #banner = part(this, 'banner');
  readonly #bannerMessage = part(this.#banner, 'banner-message');
  readonly #bannerAction = part(this.#banner, 'banner-action', HTMLButtonElement);
  readonly #bannerLink = part(this.#banner, 'banner-link', HTMLAnchorElement);
  readonly #broadcast = part(this, 'broadcast');
  readonly #endButton = part(this, 'end-sandbox', HTMLButtonElement);
  readonly #endConfirm = part(this, 'end-confirm');
  readonly #freshConfirm = part(this, 'fresh-confirm');
  readonly #engineView = part(this, 'engine', EngineViewElement);
  readonly #editor = createLazyEditor(part(this, 'editor-panel'));
  readonly #terminals = createTerminals(this, this.#tabs, (ended) => this.#controller?.ended(ended));
  #controller: SessionController | undefined;
  #ports: ReturnType<typeof followPorts> | undefined;
  #resumedTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.#tabs.addEventListener('tab-show', (event) => this.#tabShown((event as TabShowEvent).detail.tab));
    enableMoreMenu(part(this, 'more'));
    part(this.#broadcast, 'broadcast-dismiss').addEventListener('click', () => {
      this.#broadcast.hidden = true;
    });
    this.#bannerAction.addEventListener('click', () => this.#bannerActed());
    // Ending on purpose asks whether the learner's work is kept for their next sandbox.
    this.#endButton.addEventListener('click', () => {
      this.#endConfirm.hidden = false;
      this.#endConfirm.querySelector('button')?.focus();
    });
    this.#endConfirm.addEventListener('click', (event) => {
      const choice = (event.target as HTMLElement).closest('button')?.dataset.end;
      if (!choice) return;
      this.#endConfirm.hidden = true;
      if (choice === 'cancel') return this.#endButton.focus();
      void this.#controller?.end(choice === 'keep');
    });
    this.#freshConfirm.addEventListener('click', (event) => {
      const choice = (event.target as HTMLElement).closest('button')?.dataset.fresh;
      if (!choice) return;
      this.#freshConfirm.hidden = true;
      if (choice === 'delete') return void this.#controller?.startFresh();
      // A kept sandbox that did not start stays as it is, its choice on the banner; a resumed one says so again.
      if (this.#controller?.state.kind !== 'resume_failed') this.#showResumed();
      this.#bannerAction.focus();
    });
  }

  /** The lesson this workspace belongs to. */
  get lesson(): string {
    const lesson = this.dataset.lesson;
    if (!lesson) throw new Error('<dockhand-workspace> has no data-lesson.');
    return lesson;
  }

  /** Follows the session: shows its state, and the banner's buttons and the end question act on it. */
  follow(controller: SessionController): void {
    this.#controller = controller;
    controller.subscribe((state) => this.#sessionChanged(state));
    this.#showBanner('resuming', 'Connecting to your sandbox…');
  }

  #sessionChanged(state: SessionState): void {
    this.#ports?.stop();
    this.#ports = undefined;
    this.removeEventListener('keydown', this.#hideWarning);
    document.removeEventListener('click', this.#hideWarning);
    this.#endButton.hidden = state.kind !== 'active';
    if (state.kind !== 'active') this.#endConfirm.hidden = true;
    this.#freshConfirm.hidden = true;
    clearTimeout(this.#resumedTimer);
    if (state.kind === 'active') {
      if (state.resumed) this.#showResumed();
      else this.#showBanner('active', 'Your sandbox is ready.');
      this.#terminals.attach(state.session);
      this.#ports = followPorts(part(this, 'port-list'), state.session);
      // Typing in a terminal or clicking is activity that keeps the sandbox: the timeout warning goes.
      this.addEventListener('keydown', this.#hideWarning);
      document.addEventListener('click', this.#hideWarning);
      void this.#editor.setSession(state.session);
      return;
    }
    void this.#editor.setSession(undefined, sandboxGone(state) ? whyNoSandbox(state) : undefined);
    this.#engineView.clear(
      state.kind === 'ended' || state.kind === 'failed' ? 'Your sandbox has ended: its engine is gone.' : 'Waiting for your sandbox…',
    );
    if (state.kind === 'none' || state.kind === 'claiming') {
      this.#showBanner('claiming', 'Starting your sandbox…');
      this.#terminals.detach('Starting your sandbox…', 'connecting');
    } else if (state.kind === 'queued') {
      const place = state.position === 1 ? 'You are next in line' : `You are number ${state.position} in line`;
      this.#showBanner('claiming', `Every sandbox on this server is in use. ${place}; yours starts by itself.`);
      this.#terminals.detach(`Waiting for a free sandbox: ${place.toLowerCase()}.`, 'connecting');
    } else if (state.kind === 'workshop_ended') {
      this.#showBanner(state.kind, state.message, 'Continue on your own', 'See what you achieved');
      this.#terminals.detach(state.message, 'ended');
    } else if (state.kind === 'resume_failed') {
      this.#showBanner(state.kind, `${state.message} Reload the page to try again.`, 'Start fresh…');
      this.#terminals.detach('Your kept sandbox did not start.', 'ended');
    } else if (state.kind === 'unavailable') {
      this.#showBanner(state.kind, `${state.message} This page tries again by itself.`, 'Try again now');
      this.#terminals.detach('No sandbox can start on this server right now.', 'ended');
    } else {
      this.#showBanner(state.kind, state.message, state.kind === 'ended' ? 'Start a new sandbox' : 'Try again');
      this.#terminals.detach(state.message, 'ended');
    }
  }

  /** What the events socket says that the workspace shows. */
  sessionEvent(event: SessionEvent): void {
    if (event.type === 'warning') this.#showBanner('warning', event.message, 'Keep my sandbox');
    if (event.type === 'broadcast') {
      // The instructor's words go in as text, never as HTML.
      part(this.#broadcast, 'broadcast-message').textContent = event.message;
      this.#broadcast.hidden = false;
    }
    if (event.type === 'engine') {
      this.#engineView.update(event.snapshot);
      this.#ports?.engineChanged(event.snapshot);
    }
    if (event.type === 'engine-problem') this.#engineView.problem(event.message);
  }

  /** Types a command into terminal N and focuses it; Shift+Tab then goes back to `returnTo`. */
  run(terminal: number, command: string, interrupt: boolean, returnTo?: HTMLElement): boolean {
    return this.#terminals.run(terminal, command, interrupt, returnTo);
  }

  /** Shows and focuses the terminal tab last used (the skip link's target). */
  focusTerminal(): void {
    this.#terminals.focus();
  }

  /** The workspace's pane was shown or hidden (on a phone, with the lesson's pane): its tab follows. */
  paneShown(shown: boolean): void {
    this.#tabShown(shown ? this.#tabs.selected() : undefined);
  }

  /** The workspace tab on show; the others were hidden. */
  #tabShown(tab: HTMLElement | undefined): void {
    if (tab?.id === 'tab-editor') void this.#editor.show();
    else void this.#editor.hide();
    if (tab) this.#terminals.shown(tab);
  }

  #showBanner(state: BannerState, message: string, action?: string, link?: string): void {
    this.#banner.dataset.state = state;
    this.#bannerMessage.textContent = message;
    this.#bannerAction.hidden = !action;
    if (action) this.#bannerAction.textContent = action;
    this.#bannerLink.hidden = !link;
    if (link) this.#bannerLink.textContent = link;
  }

  #bannerActed(): void {
    const controller = this.#controller;
    if (!controller) return;
    const state = controller.state;
    // During a timeout warning the button keeps the sandbox: any API call counts as activity.
    if (this.#banner.dataset.state === 'resumed' || state.kind === 'resume_failed') this.#askBeforeFresh();
    else if (state.kind === 'active') void api(state.session, 'GET', `/api/sessions/${state.session.id}`).then(this.#hideWarning);
    else if (state.kind === 'ended') void controller.restart();
    else if (state.kind === 'workshop_ended') void controller.continueAlone();
    // A failure (the server was out of reach, say): the stored session may well still live.
    else void controller.resume();
  }

  readonly #hideWarning = (): void => {
    if (this.#banner.dataset.state === 'warning') this.#showBanner('active', 'Your sandbox is ready.');
  };

  // Starting fresh deletes the kept work for good: the learner says so first, and "Keep my work" is the default.
  #askBeforeFresh(): void {
    clearTimeout(this.#resumedTimer);
    this.#freshConfirm.hidden = false;
    this.#freshConfirm.querySelector<HTMLButtonElement>('[data-fresh="cancel"]')?.focus();
  }

  /** Says the sandbox came back on the learner's kept work, with a Start fresh button, for a while. */
  #showResumed(): void {
    this.#showBanner('resumed', 'Your sandbox is back as you left it: your files, images, volumes and stopped containers.', 'Start fresh');
    this.#resumedTimer = setTimeout(
      () => this.#banner.dataset.state === 'resumed' && this.#showBanner('active', 'Your sandbox is ready.'),
      RESUMED_NOTICE_MS,
    );
  }
}

if (!customElements.get('dockhand-workspace')) customElements.define('dockhand-workspace', WorkspaceElement);
