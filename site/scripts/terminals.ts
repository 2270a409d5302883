// The workspace's terminal tabs: terminal N is the session's tmux window N, opened as a tab on demand
// (the + button, or a runnable block marked terminal=N) and reopened after a reload.
import { TERMINAL_WINDOWS } from '../../sandbox-server/protocol/limits.ts';
import type { SessionView } from '../../sandbox-server/protocol/sessions.ts';
import { api, type Ended, endedOf, type Session, sessionSocketUrl } from './session.ts';
import type { TabsElement } from './tabs.ts';
// Defines <dockhand-terminal>, the element each tab's panel holds.
import './terminal.ts';
import type { TerminalElement, TerminalState } from './terminal.ts';

/** Terminal tab N is the socket's window N. */
const MAX_TERMINALS = TERMINAL_WINDOWS;
const SCREEN_READER_KEY = 'dockhand.screenReaderMode';

export function createTerminals(workspace: HTMLElement, tabs: TabsElement, onEnded: (ended: Ended) => void) {
  const handles = new Map<number, TerminalElement>();
  const editorTab = workspace.querySelector('#tab-editor') as HTMLElement;
  const firstPanel = workspace.querySelector('#panel-terminal-1') as HTMLElement;
  const newButton = workspace.querySelector('#new-terminal') as HTMLButtonElement;
  const screenReader = workspace.querySelector('#screen-reader-mode') as HTMLInputElement;
  let session: Session | undefined;

  screenReader.checked = localStorage.getItem(SCREEN_READER_KEY) === '1';
  screenReader.addEventListener('change', () => {
    localStorage.setItem(SCREEN_READER_KEY, screenReader.checked ? '1' : '0');
    for (const handle of handles.values()) handle.setScreenReaderMode(screenReader.checked);
  });

  const countKey = () => `dockhand.terminals.${session?.id}`;
  const tabOf = (number: number) => document.getElementById(`tab-terminal-${number}`);
  const panelOf = (number: number) => document.getElementById(`panel-terminal-${number}`) as HTMLElement;
  const count = () => tabs.querySelectorAll('[data-terminal]').length;

  const setState = (number: number, state: TerminalState, detail: string) => {
    tabOf(number)?.querySelector('.connection')?.setAttribute('data-state', state);
    const status = panelOf(number).querySelector('.terminal-status') as HTMLElement;
    status.dataset.state = state;
    status.textContent = detail;
  };

  /** Adds the tab and panel of terminal N (and any below it) when missing. */
  const ensureTab = (number: number) => {
    for (let n = count() + 1; n <= number; n++) {
      const tab = tabOf(1)?.cloneNode(true) as HTMLElement;
      tab.id = `tab-terminal-${n}`;
      tab.dataset.terminal = String(n);
      tab.setAttribute('aria-controls', `panel-terminal-${n}`);
      (tab.querySelector('.label') as HTMLElement).textContent = `Terminal ${n}`;
      tabs.add(tab, editorTab);
      const panel = document.createElement('div');
      panel.className = firstPanel.className;
      panel.id = `panel-terminal-${n}`;
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', tab.id);
      panel.hidden = true;
      panel.innerHTML = '<p class="terminal-status" role="status"></p><dockhand-terminal class="terminal-host"></dockhand-terminal>';
      firstPanel.parentElement?.insertBefore(panel, firstPanel.parentElement.querySelector('#panel-editor'));
      setState(n, 'connecting', 'Waiting for your sandbox…');
    }
    newButton.disabled = count() >= MAX_TERMINALS;
  };

  const start = (number: number): TerminalElement | undefined => {
    const existing = handles.get(number);
    if (existing || !session) return existing;
    const current = session;
    const terminal = panelOf(number).querySelector('dockhand-terminal') as TerminalElement;
    terminal.connect(
      () => sessionSocketUrl(current, 'terminal', `/ws/sessions/${current.id}/terminal?window=${number}`),
      `Terminal ${number}`,
      {
        onState: (state, detail) => setState(number, state, detail),
        async shouldRetry() {
          const view = await api<SessionView>(current, 'GET', `/api/sessions/${current.id}`);
          if (view.state !== 'ended') return true;
          onEnded(endedOf(view));
          return false;
        },
      },
      { screenReaderMode: screenReader.checked },
    );
    handles.set(number, terminal);
    return terminal;
  };

  const open = (number: number) => {
    ensureTab(number);
    if (session) localStorage.setItem(countKey(), String(Math.max(count(), Number(localStorage.getItem(countKey())) || 1)));
    return start(number);
  };

  const showTerminal = (number: number) => tabs.show(tabOf(number) as HTMLElement);

  newButton.addEventListener('click', () => {
    const number = count() + 1;
    if (number > MAX_TERMINALS) return;
    open(number);
    showTerminal(number);
    handles.get(number)?.focus();
  });

  return {
    /** The sandbox is ready: connect every open tab (and those open before a reload). */
    attach(next: Session) {
      session = next;
      const remembered = Math.min(MAX_TERMINALS, Number(localStorage.getItem(countKey())) || 1);
      for (let n = 1; n <= Math.max(remembered, count()); n++) open(n);
    },
    /** The sandbox is gone (or not there yet): close the connections, say why on every tab. */
    detach(detail: string, state: TerminalState) {
      session = undefined;
      for (const terminal of handles.values()) terminal.disconnect();
      handles.clear();
      for (let n = 1; n <= count(); n++) setState(n, state, detail);
    },
    /** Types a command into terminal N and focuses it; Shift+Tab then goes back to `returnTo`. */
    run(number: number, command: string, interrupt: boolean, returnTo?: HTMLElement): boolean {
      const target = Math.min(Math.max(1, number), MAX_TERMINALS);
      const handle = open(target);
      showTerminal(target);
      handle?.run(command, interrupt);
      handle?.focus({ returnTo });
      return Boolean(handle);
    },
    /** Shows and focuses the terminal tab last used (the skip link's target). */
    focus() {
      const tab = tabs.selected();
      const number = Number(tab?.dataset.terminal) || 1;
      showTerminal(number);
      handles.get(number)?.focus();
    },
    /** A terminal tab was shown: it may have changed size while hidden. */
    shown(tab: HTMLElement) {
      const number = Number(tab.dataset.terminal);
      if (number) handles.get(number)?.fit();
    },
  };
}

export type Terminals = ReturnType<typeof createTerminals>;
