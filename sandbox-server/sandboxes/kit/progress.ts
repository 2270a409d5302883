// Long work (image builds, mirror fill) reports what it is doing one line at a time.
export type Progress = (line: string) => void;

export function prefixed(prefix: string, progress: Progress): Progress {
  return (line) => progress(`${prefix}: ${line}`);
}

export const silent: Progress = () => {};

/**
 * Parallel work with one status line per item (e.g. per image: "step 3/7, 41 s"). On a terminal the
 * lines are redrawn in place; elsewhere (logs, CI) each item says only when it is done, plus one line
 * every `summaryMs` naming what is still running, so parallel work never interleaves step by step.
 */
export type Board = {
  update(item: string, status: string): void;
  done(item: string, status: string): void;
  close(): void;
};

type BoardOptions = { terminal?: NodeJS.WriteStream; summaryMs?: number; now?: () => number };

export function progressBoard(progress: Progress, options: BoardOptions = {}): Board {
  const now = options.now ?? (() => performance.now());
  const items = new Map<string, { status: string; started: number; finished?: number }>();
  const terminal = options.terminal?.isTTY ? options.terminal : undefined;
  let drawn = 0;
  const elapsed = (item: { started: number; finished?: number }) => `${(((item.finished ?? now()) - item.started) / 1000).toFixed(0)} s`;
  const line = (name: string) => {
    const item = items.get(name);
    return item ? `${name}: ${item.status} (${elapsed(item)})` : name;
  };
  const draw = () => {
    if (!terminal) return;
    const columns = terminal.columns || 100;
    let text = drawn > 0 ? `\x1b[${drawn}F` : '';
    for (const name of items.keys()) text += `\x1b[2K${line(name).slice(0, columns - 1)}\n`;
    drawn = items.size;
    terminal.write(text);
  };
  const touch = (name: string, status: string, finished: boolean) => {
    const item = items.get(name) ?? { status, started: now() };
    item.status = status;
    if (finished) item.finished = now();
    items.set(name, item);
  };
  const timer = terminal
    ? setInterval(draw, 1000)
    : setInterval(() => {
        const running = [...items.keys()].filter((name) => items.get(name)?.finished === undefined);
        if (running.length > 0) progress(`still working on ${running.map(line).join('; ')}`);
      }, options.summaryMs ?? 30_000);
  timer.unref();
  return {
    update(name, status) {
      touch(name, status, false);
      draw();
    },
    done(name, status) {
      touch(name, status, true);
      if (terminal) draw();
      else progress(line(name));
    },
    close() {
      clearInterval(timer);
      draw();
    },
  };
}
