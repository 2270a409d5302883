// Web preview: the ports the learner's containers publish, as links that open through the preview proxy.
// Polled every few seconds while the page is visible; the first visit with ?token= sets the preview cookie.
import { ApiError, api, type Session } from './session.ts';

type Port = { port: number; container?: string; url: string };

const POLL_MS = 4000;

export function followPorts(list: HTMLElement, session: Session): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let shown = '';

  const render = (ports: Port[]) => {
    const key = JSON.stringify(ports);
    if (key === shown) return;
    shown = key;
    list.replaceChildren(
      ...ports.map((port) => {
        const item = document.createElement('li');
        const link = document.createElement('a');
        link.href = `${port.url}?token=${encodeURIComponent(session.token)}`;
        link.target = '_blank';
        link.rel = 'noopener';
        link.className = 'button port-link';
        link.textContent = `Port ${port.port}`;
        link.title = `Open port ${port.port}${port.container ? ` (container ${port.container})` : ''} in a new tab`;
        item.append(link);
        return item;
      }),
    );
    list.closest('.ports')?.toggleAttribute('hidden', ports.length === 0);
  };

  const poll = async () => {
    timer = undefined;
    if (stopped || document.visibilityState !== 'visible') return;
    try {
      render((await api<{ ports: Port[] }>(session, 'GET', `/api/sessions/${session.id}/ports`)).ports);
    } catch (error) {
      // A server without the ports endpoint, or an ended session: nothing to show, no point asking again.
      if (error instanceof ApiError && [404, 405, 410].includes(error.status)) return render([]);
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible' && !timer) void poll();
  };
  document.addEventListener('visibilitychange', onVisible);
  void poll();

  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
    render([]);
  };
}

/** Asks for the ports now (after a command ran, say) instead of at the next tick. */
export type StopPorts = ReturnType<typeof followPorts>;
