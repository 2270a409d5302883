// A participant's terminal, watched read-only: the learner's own <dockhand-terminal> with `readonly`, on
// the instructor's terminal socket (output only; the server refuses input anyway).
import '../terminal.ts';
import type { TerminalElement } from '../terminal.ts';

export type WatchHandle = { dispose(): void };

export function watchTerminal(
  terminal: TerminalElement,
  url: () => Promise<string>,
  options: { label: string; onStatus(text: string, state: 'connecting' | 'connected' | 'ended'): void; stillLive(): Promise<boolean> },
): WatchHandle {
  terminal.connect(url, options.label, {
    onState(state, detail) {
      // Once the session is over, the sentence for that stays.
      if (state === 'ended') return;
      options.onStatus(detail, state === 'reconnecting' ? 'connecting' : state);
    },
    async shouldRetry() {
      if (await options.stillLive()) return true;
      options.onStatus('Their session has ended.', 'ended');
      return false;
    },
  });
  return { dispose: () => terminal.disconnect() };
}
