// The workspace's terminal tabs: terminal N is the session's tmux window N, opened as a tab on demand
// (the + button, or a runnable block marked terminal=N) and reopened after a reload. Every tab but the
// first can be closed: its connection ends, and its shell keeps running in the sandbox until opened again.
import { TERMINAL_WINDOWS } from '../../sandbox-server/protocol/limits.ts';
import type { SessionView } from '../../sandbox-server/protocol/sessions.ts';
import { part } from './parts.ts';
import { api, type Ended, endedOf, type Session, sessionSocketUrl } from './session.ts';
import type { TabsElement } from './tabs.ts';
// Defines <dockhand-terminal>, the element each tab's panel holds.
import './terminal.ts';
import { TerminalElement, type TerminalState } from './terminal.ts';

/** Terminal tab N is the socket's window N. */
const MAX_TERMINALS = TERMINAL_WINDOWS;
const SCREEN_READER_KEY = 'dockhand.screenReaderMode';

export function createTerminals(workspace: HTMLElement, tabs: TabsElement, onEnded: (ended: Ended) => void) {
  const handles = new Map<number, TerminalElement>();
  const editorTab = part(tabs, 'editor-tab');
  const panels = part(workspace, 'panels');
  const editorPanel = part(panels, 'editor-panel');
  const firstPanel = part(panels, 'terminal-panel');
  const newButton = part(workspace, 'new-terminal', HTMLButtonElement);
  const screenReader = part(workspace, 'screen-reader-mode', HTMLInputElement);
  let session: Session | undefined;

  screenReader.checked = localStorage.getItem(SCREEN_READER_KEY) === '1';
  screenReader.addEventListener('change', () => {
    localStorage.setItem(SCREEN_READER_KEY, screenReader.checked ? '1' : '0');
    for (const handle of handles.values()) handle.setScreenReaderMode(screenReader.checked);
  });

  const openKey = () => `dockhand.terminals.${session?.id}`;
  const tabOf = (number: number) => tabs.querySelector<HTMLElement>(`[data-terminal="${number}"]`);
  const panelOf = (number: number) => {
    const panel = panels.querySelector<HTMLElement>(`[data-terminal-panel="${number}"]`);
    if (!panel) throw new Error(`The workspace has no panel for Terminal ${number}.`);
    return panel;
  };
  const numbers = () => [...tabs.querySelectorAll<HTMLElement>('[data-terminal]')].map((tab) => Number(tab.dataset.terminal));

  /** The terminals open in this session, as kept in this browser (once a count: 3 meant 1, 2 and 3). */
  const remembered = (): number[] => {
    const kept: unknown = JSON.parse(localStorage.getItem(openKey()) ?? '[1]');
    const list = typeof kept === 'number' ? Array.from({ length: kept }, (_, n) => n + 1) : Array.isArray(kept) ? kept : [1];
    return [1, ...list.filter((n): n is number => Number.isInteger(n) && n > 1 && n <= MAX_TERMINALS)];
  };
  const remember = () => {
    if (session) localStorage.setItem(openKey(), JSON.stringify(numbers()));
  };

  const setState = (number: number, state: TerminalState, detail: string) => {
    tabOf(number)?.querySelector('.connection')?.setAttribute('data-state', state);
    const panel = panelOf(number);
    const status = part(panel, 'terminal-status');
    status.dataset.state = state;
    status.textContent = detail;
    part(panel, 'retry-now').hidden = state !== 'reconnecting';
    if (state === 'connected' || state === 'ended') part(panel, 'terminal-note').hidden = true;
  };

  /** Wires a terminal panel's own buttons: Retry now, and Close for every terminal but the first. */
  const wirePanel = (number: number) => {
    const panel = panelOf(number);
    part(panel, 'retry-now').addEventListener('click', () => handles.get(number)?.retryNow());
    const close = panel.querySelector<HTMLButtonElement>('[data-part="close-terminal"]');
    close?.addEventListener('click', () => closeTerminal(number));
  };

  /** Adds the tab and panel of terminal N when missing, in number order. */
  const ensureTab = (number: number) => {
    if (tabOf(number)) return;
    const tab = part(tabs, 'terminal-tab').cloneNode(true) as HTMLElement;
    tab.removeAttribute('data-part');
    tab.id = `tab-terminal-${number}`;
    tab.dataset.terminal = String(number);
    tab.setAttribute('aria-controls', `panel-terminal-${number}`);
    part(tab, 'terminal-number').textContent = String(number);
    const after = numbers().find((n) => n > number);
    tabs.add(tab, (after ? tabOf(after) : editorTab) ?? editorTab);
    const panel = document.createElement('div');
    panel.className = firstPanel.className;
    panel.id = `panel-terminal-${number}`;
    panel.dataset.terminalPanel = String(number);
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', tab.id);
    panel.hidden = true;
    panel.innerHTML = firstPanel.innerHTML;
    part(panel, 'terminal').replaceChildren();
    part(panel, 'terminal-note').hidden = true;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'close-terminal';
    close.dataset.part = 'close-terminal';
    close.textContent = 'Close';
    close.setAttribute('aria-label', `Close Terminal ${number}`);
    close.title = `Close Terminal ${number}: its shell keeps running in your sandbox, and + opens it again`;
    part(panel, 'terminal-bar').append(close);
    panels.insertBefore(panel, editorPanel);
    wirePanel(number);
    setState(number, 'connecting', 'Waiting for your sandbox…');
    newButton.disabled = numbers().length >= MAX_TERMINALS;
  };

  /** Closes terminal N's tab (never the first): the tab before it is shown and focused. */
  const closeTerminal = (number: number) => {
    if (number === 1) return;
    const tab = tabOf(number);
    const wasSelected = tab?.getAttribute('aria-selected') === 'true';
    handles.get(number)?.disconnect();
    handles.delete(number);
    tab?.remove();
    panelOf(number).remove();
    remember();
    newButton.disabled = numbers().length >= MAX_TERMINALS;
    const before = numbers()
      .filter((n) => n < number)
      .at(-1) as number;
    const next = tabOf(before);
    if (!next) return;
    if (wasSelected) tabs.show(next);
    next.focus();
  };

  const start = (number: number): TerminalElement | undefined => {
    const existing = handles.get(number);
    if (existing || !session) return existing;
    const current = session;
    const terminal = part(panelOf(number), 'terminal', TerminalElement);
    terminal.connect(
      () => sessionSocketUrl(current, 'terminal', `/ws/sessions/${current.id}/terminal?window=${number}`),
      `Terminal ${number}`,
      {
        onState: (state, detail) => setState(number, state, detail),
        onInputDropped() {
          const note = part(panelOf(number), 'terminal-note');
          note.textContent = 'Not sent: the terminal is reconnecting. Type it again once it is back.';
          note.hidden = false;
        },
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
    remember();
    return start(number);
  };

  const showTerminal = (number: number) => {
    const tab = tabOf(number);
    if (tab) tabs.show(tab);
  };

  wirePanel(1);
  // Delete on an extra terminal's tab closes it, as its Close button does.
  tabs.addEventListener('keydown', (event) => {
    const number = Number((event.target as HTMLElement).dataset.terminal);
    if (event.key === 'Delete' && number > 1) closeTerminal(number);
  });

  newButton.addEventListener('click', () => {
    const taken = new Set(numbers());
    const number = Array.from({ length: MAX_TERMINALS }, (_, n) => n + 1).find((n) => !taken.has(n));
    if (number === undefined) return;
    open(number);
    showTerminal(number);
    handles.get(number)?.focus();
  });

  return {
    /** The sandbox is ready: connect every open tab (and those open before a reload). */
    attach(next: Session) {
      session = next;
      for (const n of new Set([...remembered(), ...numbers()])) open(n);
    },
    /** The sandbox is gone (or not there yet): close the connections, say why on every tab. */
    detach(detail: string, state: TerminalState) {
      session = undefined;
      for (const terminal of handles.values()) terminal.disconnect();
      handles.clear();
      for (const n of numbers()) setState(n, state, detail);
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
