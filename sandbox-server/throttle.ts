// Leading and trailing edges: the first trigger runs at once (feedback should not wait), triggers during
// the following window are gathered into one more run at its end (a burst costs two runs, not twenty).
export type Throttle = { trigger(): void; stop(): void };

export function throttle(run: () => void, windowMs: number): Throttle {
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  const windowEnds = () => {
    if (!pending) {
      timer = undefined;
      return;
    }
    pending = false;
    timer = setTimeout(windowEnds, windowMs);
    run();
  };
  return {
    trigger() {
      if (timer) {
        pending = true;
        return;
      }
      timer = setTimeout(windowEnds, windowMs);
      run();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      pending = false;
    },
  };
}
