// Web preview: the ports the learner's containers publish, as links that open through the preview proxy.
// A click asks for a single-use ticket and opens the link with it (that first visit sets the preview
// cookie), so the session token never stands in a URL. Ports change because the learner did something,
// so the list is polled every few seconds for a while after each bit of activity, while the page is
// visible. Never for longer: every API call counts as activity, and a forgotten tab must not keep its
// sandbox alive forever.
import type { PortsView } from '../../sandbox-server/protocol/sessions.ts';
import { ApiError, api, type Session, sessionTicket } from './session.ts';

type Port = PortsView['ports'][number];

const POLL_MS = 4000;
const MAX_WINDOW_MS = 2 * 60_000;

export function followPorts(list: HTMLElement, session: Session) {
  // Half the idle timeout at most: polling alone then never stretches idleness much past it.
  const windowMs = Math.min(MAX_WINDOW_MS, (session.idleSeconds * 1000) / 2);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;
  let stopped = false;
  let activeUntil = 0;
  let shown = '';

  const render = (ports: Port[]) => {
    const key = JSON.stringify(ports);
    if (key === shown) return;
    shown = key;
    list.replaceChildren(
      ...ports.map((port) => {
        const item = document.createElement('li');
        const link = document.createElement('a');
        link.href = port.url;
        link.target = '_blank';
        link.rel = 'noopener';
        link.addEventListener('click', (event) => {
          event.preventDefault();
          void openWithTicket(session, port.url);
        });
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
    if (stopped || polling || document.visibilityState !== 'visible') return;
    polling = true;
    try {
      render((await api<PortsView>(session, 'GET', `/api/sessions/${session.id}/ports`)).ports);
    } catch (error) {
      // The session ended: nothing to show. Other failures (a network blip) just wait for the next round.
      if (error instanceof ApiError && error.code === 'session_ended') render([]);
    }
    polling = false;
    if (!stopped && Date.now() < activeUntil) timer = setTimeout(poll, POLL_MS);
  };

  const nudge = () => {
    activeUntil = Date.now() + windowMs;
    if (!timer && !polling) void poll();
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible' && Date.now() < activeUntil && !timer) void poll();
  };
  document.addEventListener('visibilitychange', onVisible);
  nudge();

  return {
    /** The learner did something that may have started or stopped a container. */
    nudge,
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
      render([]);
    },
  };
}

/** Opens the tab at once (a popup must come straight from the click), then sends it on with a ticket. */
async function openWithTicket(session: Session, url: string): Promise<void> {
  const tab = window.open('about:blank', '_blank');
  if (!tab) return;
  tab.opener = null;
  try {
    const { ticket } = await sessionTicket(session, 'preview');
    tab.location.href = `${url}?ticket=${encodeURIComponent(ticket)}`;
  } catch {
    tab.close();
  }
}
