// A participant's terminal, watched read-only: xterm.js with input switched off, on the instructor's
// terminal socket (output only; the server refuses input anyway). Resizes size only this view.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { openReconnectingSocket, wsUrl } from '../socket.ts';
import { fitToElement, THEME } from '../terminal.ts';

export type WatchHandle = { dispose(): void };

export function watchTerminal(
  host: HTMLElement,
  url: string,
  options: { label: string; onStatus(text: string, state: 'connecting' | 'connected' | 'ended'): void; stillLive(): Promise<boolean> },
): WatchHandle {
  const term = new Terminal({
    disableStdin: true,
    cursorBlink: false,
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace",
    fontSize: 13,
    scrollback: 2000,
    theme: THEME,
  });
  const fitAddon = new FitAddon();
  term.loadAddon(fitAddon);
  term.open(host);
  term.textarea?.setAttribute('aria-label', `${options.label} (read-only)`);
  term.textarea?.setAttribute('readonly', '');

  const fitting = fitToElement(host, fitAddon);

  const socket = openReconnectingSocket(wsUrl(url), {
    onState(state, detail) {
      if (state === 'connecting') options.onStatus('Connecting…', 'connecting');
      if (state === 'open') options.onStatus('Watching live. Read-only: nothing you type reaches their shell.', 'connected');
      if (state === 'waiting')
        options.onStatus(`Connection lost; reconnecting in ${Math.ceil((detail.retryInMs ?? 0) / 1000)} s…`, 'connecting');
    },
    onOpen(ws) {
      // tmux redraws the whole screen for a new client: start from a clean one.
      term.reset();
      ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
    },
    onMessage(data) {
      if (typeof data !== 'string') term.write(new Uint8Array(data));
    },
    async shouldRetry() {
      if (await options.stillLive()) return true;
      options.onStatus('Their session has ended.', 'ended');
      return false;
    },
  });
  term.onResize(({ cols, rows }) => socket.send(JSON.stringify({ type: 'resize', cols, rows })));

  return {
    dispose() {
      fitting.stop();
      socket.stop();
      term.dispose();
    },
  };
}
