// The one browser terminal, <dockhand-terminal>: xterm.js joined to a terminal socket (binary frames
// carry the bytes both ways, JSON text frames carry control). The learner's tabs use it writable; the
// instructor's watch view sets `readonly`, which switches input off (the server refuses it anyway) and
// sizes only this view. The shell lives in tmux in the sandbox, so a reconnect (after a drop, or a
// reload) finds the same shell and its screen again.
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { type IDisposable, Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { TERMINAL_INPUT_FRAME } from '../../sandbox-server/protocol/limits.ts';
import type { ControlMessage, ErrorFrame } from '../../sandbox-server/protocol/terminal.ts';
import { openReconnectingSocket } from './socket.ts';

export type TerminalState = 'connecting' | 'connected' | 'reconnecting' | 'ended';

const RESIZE_DEBOUNCE_MS = 80;
/** How long a terminal just shown at a new size stays blank waiting for the shell's redraw (tmux sends it at once). */
const REDRAW_WAIT_MS = 1000;
const encoder = new TextEncoder();
const resizeFrame = (cols: number, rows: number) => JSON.stringify({ type: 'resize', cols, rows } satisfies ControlMessage);

// A dark terminal in both page themes; every colour keeps at least 4.5:1 against the background.
const THEME = {
  background: '#14171b',
  foreground: '#e6e9ee',
  cursor: '#e6e9ee',
  cursorAccent: '#14171b',
  selectionBackground: '#3b5b85',
  black: '#3d444d',
  red: '#ff7b72',
  green: '#56d37a',
  yellow: '#e3b341',
  blue: '#79b8ff',
  magenta: '#d2a8ff',
  cyan: '#56d4dd',
  white: '#c9d1d9',
  brightBlack: '#8b949e',
  brightRed: '#ffa198',
  brightGreen: '#7ee787',
  brightYellow: '#f2cc60',
  brightBlue: '#a5d6ff',
  brightMagenta: '#e2c5ff',
  brightCyan: '#76e3ea',
  brightWhite: '#ffffff',
};

export type TerminalHooks = {
  /** The connection changed: its state, and a sentence to show. */
  onState(state: TerminalState, detail: string): void;
  /** The socket closed: may it connect again (false when the session is over)? */
  shouldRetry(): Promise<boolean>;
  /** Keys typed while there is no connection were dropped (never sent later, when they may do harm). */
  onInputDropped?(): void;
};

type Connected = {
  term: Terminal;
  fitting: { fit(): void; stop(): void };
  screen: ScreenGuard;
  send(data: string): void;
  retryNow(): void;
  stop(): void;
};

export class TerminalElement extends HTMLElement {
  #connected: Connected | undefined;
  /** Where Shift+Tab goes instead of the previous element in the page: the Run button that typed here. */
  #returnTo: HTMLElement | undefined;

  constructor() {
    super();
    // Capture: before xterm.js sees the key. Any other way out of the terminal forgets the way back.
    this.addEventListener(
      'keydown',
      (event) => {
        if (event.key !== 'Tab' || !event.shiftKey || !this.#returnTo?.isConnected) return;
        event.preventDefault();
        event.stopPropagation();
        const target = this.#returnTo;
        this.#returnTo = undefined;
        target.focus();
      },
      true,
    );
    this.addEventListener('focusout', () => {
      this.#returnTo = undefined;
    });
  }

  get readOnly(): boolean {
    return this.hasAttribute('readonly');
  }

  /** Opens the terminal on the socket `url` gives (asked anew for each connection); `label` names it for screen readers. */
  connect(url: () => Promise<string>, label: string, hooks: TerminalHooks, options: { screenReaderMode?: boolean } = {}): void {
    this.disconnect();
    const readOnly = this.readOnly;
    const term = new Terminal({
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace",
      fontSize: readOnly ? 13 : 14,
      cursorBlink: !readOnly,
      disableStdin: readOnly,
      scrollback: readOnly ? 2000 : 5000,
      screenReaderMode: options.screenReaderMode ?? false,
      theme: THEME,
    });
    const fitAddon = new FitAddon();
    term.loadAddon(fitAddon);
    if (!readOnly) term.loadAddon(new WebLinksAddon());
    term.open(this);
    if (readOnly) {
      term.textarea?.setAttribute('aria-label', `${label} (read-only)`);
      term.textarea?.setAttribute('readonly', '');
    } else {
      term.textarea?.setAttribute('aria-label', `${label}. Shift+Tab leaves the terminal.`);
      enableKeys(term);
      keepRightClickForTheBrowser(this);
    }
    // Sized before connecting: the first resize message then carries the real size.
    const fitting = fitToElement(this, fitAddon);
    const screen = guardScreen(this, term);

    const pending: string[] = [];
    let ended = false;
    const socket = openReconnectingSocket(url, {
      onState(state, detail) {
        if (state === 'connecting') hooks.onState(detail.attempt === 0 ? 'connecting' : 'reconnecting', 'Connecting…');
        if (state === 'open')
          hooks.onState(
            'connected',
            readOnly
              ? 'Watching live. Read-only: nothing you type reaches their shell.'
              : 'Connected · Shift+Tab leaves the terminal · Shift+drag selects text',
          );
        if (state === 'waiting') {
          hooks.onState('reconnecting', `Connection lost; reconnecting in ${Math.ceil((detail.retryInMs ?? 0) / 1000)} s…`);
        }
        if (state === 'stopped') hooks.onState('ended', 'Ended');
      },
      onOpen(ws) {
        // tmux redraws the whole screen for a new client: start from a clean one.
        term.reset();
        ws.send(resizeFrame(term.cols, term.rows));
        for (const data of pending.splice(0)) send(data);
      },
      onMessage(data) {
        // Told once parsed: a render asked for before then would show the screen without it.
        if (typeof data !== 'string') return term.write(new Uint8Array(data), screen.written);
        if (readOnly) return;
        try {
          const control = JSON.parse(data) as Partial<ErrorFrame>;
          if (control.type === 'error' && control.error) hooks.onState('connected', `The server said: ${control.error}`);
        } catch {
          // Not JSON: nothing to show.
        }
      },
      // The shell echoes what is typed, so input met by silence means the connection is gone.
      stallTimeoutMs: readOnly ? undefined : 10_000,
      async shouldRetry() {
        if (await hooks.shouldRetry()) return true;
        ended = true;
        return false;
      },
    });

    // A Run button's command waits for the connection; it is what the learner asked for, whenever it lands.
    const send = (data: string) => {
      if (ended || readOnly) return;
      if (!socket.isOpen) return void pending.push(data);
      const bytes = encoder.encode(data);
      // The socket refuses frames over its limit: a large paste goes in pieces (a byte stream, so any cut is fine).
      for (let start = 0; start < bytes.length; start += TERMINAL_INPUT_FRAME)
        socket.send(bytes.subarray(start, start + TERMINAL_INPUT_FRAME));
    };
    if (!readOnly) {
      // Keys typed into a terminal that is not connected are dropped, and the learner is told: a half-typed
      // line replayed seconds later, after the screen was redrawn, could run what nobody meant to run.
      term.onData((data) => {
        if (socket.isOpen) send(data);
        else if (!ended) hooks.onInputDropped?.();
      });
      term.onBinary((data) => {
        // Mouse reports in the old X10 encoding: one byte per character.
        socket.send(Uint8Array.from(data, (char) => char.charCodeAt(0) & 0xff));
      });
    }
    term.onResize(({ cols, rows }) => socket.send(resizeFrame(cols, rows)));
    this.#connected = { term, fitting, screen, send, retryNow: () => socket.retryNow(), stop: () => socket.stop() };
  }

  /** Reconnects at once instead of after the current wait. */
  retryNow(): void {
    this.#connected?.retryNow();
  }

  /** Types a command and presses Enter (after Ctrl-C when `interrupt`); waits for the connection if needed. */
  run(command: string, interrupt: boolean): void {
    if (interrupt) this.#connected?.send('\x03');
    this.#connected?.send(`${command.replace(/\r?\n/g, '\r')}\r`);
  }

  /** Focuses the terminal; `returnTo`, when given, is where Shift+Tab takes the focus back to. */
  override focus(options?: FocusOptions & { returnTo?: HTMLElement }): void {
    this.#connected?.term.focus();
    this.#returnTo = options?.returnTo;
  }

  /** Fits the terminal to the element after it became visible: at a new size, blank until the shell redrew. */
  fit(): void {
    const connected = this.#connected;
    if (!connected) return;
    const { cols, rows } = connected.term;
    connected.fitting.fit();
    if (connected.term.cols !== cols || connected.term.rows !== rows) connected.screen.resized();
  }

  setScreenReaderMode(on: boolean): void {
    if (this.#connected) this.#connected.term.options.screenReaderMode = on;
  }

  /** Closes the socket and removes the terminal; the element stays, empty, for the next connect. */
  disconnect(): void {
    const connected = this.#connected;
    this.#connected = undefined;
    if (!connected) return;
    connected.fitting.stop();
    connected.screen.stop();
    connected.stop();
    connected.term.dispose();
    this.replaceChildren();
  }
}

if (!customElements.get('dockhand-terminal')) customElements.define('dockhand-terminal', TerminalElement);

/**
 * Shift+Tab leaves the terminal (Tab itself completes in the shell, so keyboard users need a way out);
 * Ctrl/Cmd-V and Ctrl-Shift-V paste; Ctrl-Shift-C (or Ctrl-C with a selection) copies.
 */
function enableKeys(term: Terminal): void {
  term.attachCustomKeyEventHandler((event) => {
    if (event.key === 'Tab' && event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) return false;
    if (event.type !== 'keydown' || !(event.ctrlKey || event.metaKey) || event.altKey) return true;
    const key = event.key.toLowerCase();
    // Leaving the key to the browser makes it fire a paste event, which xterm.js turns into input.
    if (key === 'v') return false;
    if (key === 'c' && (event.shiftKey || term.hasSelection())) {
      const selection = term.getSelection();
      if (selection) void navigator.clipboard?.writeText(selection).catch(() => {});
      event.preventDefault();
      return false;
    }
    return true;
  });
}

/**
 * tmux asks for mouse reports (wheel scrolling); a right click would then go to tmux instead of opening
 * the browser's menu with Paste. Stop it before xterm.js sees it; the contextmenu event still fires.
 */
function keepRightClickForTheBrowser(host: HTMLElement): void {
  for (const type of ['mousedown', 'mouseup'] as const) {
    host.addEventListener(
      type,
      (event) => {
        if (event.button === 2) event.stopPropagation();
      },
      true,
    );
  }
}

type ScreenGuard = { written(): void; resized(): void; stop(): void };

/**
 * xterm.js does not draw a terminal that is out of sight (another tab, the lesson's pane on a phone), so
 * when it comes back its first frames show what it drew before it went: old text, or the old size beside
 * the new until the shell redraws. Until the screen is drawn anew, `data-stale` keeps it blank (global.css).
 */
function guardScreen(host: HTMLElement, term: Terminal): ScreenGuard {
  let visible = false;
  let awaitingRedraw = false;
  let render: IDisposable | undefined;
  let redrawWait: ReturnType<typeof setTimeout> | undefined;
  let fallback: ReturnType<typeof setTimeout> | undefined;
  const drawn = () => {
    render?.dispose();
    render = undefined;
    clearTimeout(fallback);
    if (!awaitingRedraw) host.removeAttribute('data-stale');
  };
  const settle = () => {
    if (!visible || awaitingRedraw || render || !host.hasAttribute('data-stale')) return;
    render = term.onRender(drawn);
    // Drawn at the next frame; were it not, a blank terminal must not last either.
    fallback = setTimeout(drawn, REDRAW_WAIT_MS);
    term.refresh(0, term.rows - 1);
  };
  // xterm.js pauses and resumes its drawing on its own observer, made in term.open(): before this one, so told first.
  const observer = new IntersectionObserver((entries) => {
    visible = entries.at(-1)?.isIntersecting ?? false;
    settle();
  });
  observer.observe(host);
  return {
    /** Output arrived: unseen while hidden; the redraw a resize waits for. */
    written() {
      if (!visible) host.setAttribute('data-stale', '');
      awaitingRedraw = false;
      clearTimeout(redrawWait);
      settle();
    },
    /** The shell redraws for the new size: its old text at the new size is wrong until then. */
    resized() {
      host.setAttribute('data-stale', '');
      awaitingRedraw = true;
      clearTimeout(redrawWait);
      redrawWait = setTimeout(() => {
        awaitingRedraw = false;
        settle();
      }, REDRAW_WAIT_MS);
    },
    stop() {
      observer.disconnect();
      render?.dispose();
      clearTimeout(redrawWait);
      clearTimeout(fallback);
      host.removeAttribute('data-stale');
    },
  };
}

/** Keeps a terminal fitted to its element as that resizes (debounced); a hidden tab has no size and is fitted when shown. */
function fitToElement(host: HTMLElement, fitAddon: FitAddon): { fit(): void; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fitNow = () => {
    if (host.offsetWidth > 0 && host.offsetHeight > 0) fitAddon.fit();
  };
  const observer = new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(fitNow, RESIZE_DEBOUNCE_MS);
  });
  observer.observe(host);
  fitNow();
  return {
    fit: fitNow,
    stop() {
      clearTimeout(timer);
      observer.disconnect();
    },
  };
}
