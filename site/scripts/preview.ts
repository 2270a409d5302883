// Web preview: the ports the learner's containers publish, as links that open through the preview proxy.
// A click asks for a single-use ticket and opens the link with it (that first visit sets the preview
// cookie), so the session token never stands in a URL. The list follows the engine: the events socket
// pushes a snapshot of it after every change, and the links are asked for again only when the ports it
// publishes changed. Nothing is polled, so a forgotten tab does not keep its sandbox alive.
import type { EngineSnapshot } from '../../sandbox-server/protocol/engine.ts';
import type { PortsView } from '../../sandbox-server/protocol/sessions.ts';
import { ApiError, api, type Session, sessionTicket } from './session.ts';

type Port = PortsView['ports'][number];

/** The ports running containers publish, as one comparable text. */
function publishedKey(snapshot: EngineSnapshot): string {
  const ports = snapshot.containers
    .filter((container) => container.state === 'running')
    .flatMap((container) => container.ports.filter((port) => port.host !== null).map((port) => `${port.host}/${port.protocol}`));
  return [...new Set(ports)].sort().join(',');
}

export function followPorts(list: HTMLElement, session: Session) {
  /** "none yet", shown while no port is published. */
  const none = list.querySelector<HTMLElement>('.ports-none');
  let stopped = false;
  let published: string | undefined;
  let shown = '';
  let asking: Promise<void> | undefined;
  let askAgain = false;

  const render = (ports: Port[]) => {
    const key = JSON.stringify(ports);
    if (key === shown) return;
    shown = key;
    if (none) none.hidden = ports.length > 0;
    for (const item of list.querySelectorAll('li:not(.ports-none)')) item.remove();
    list.append(
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
  };

  /** One request at a time; a change during one asks once more after it. */
  const ask = (): void => {
    if (asking) {
      askAgain = true;
      return;
    }
    asking = api<PortsView>(session, 'GET', `/api/sessions/${session.id}/ports`)
      .then(({ ports }) => {
        if (!stopped) render(ports);
      })
      .catch((error) => {
        // The session ended: nothing to show. Another failure waits for the engine's next change.
        if (error instanceof ApiError && error.code === 'session_ended' && !stopped) render([]);
      })
      .finally(() => {
        asking = undefined;
        if (askAgain && !stopped) {
          askAgain = false;
          ask();
        }
      });
  };

  return {
    /** The engine changed (a snapshot from the events socket). */
    engineChanged(snapshot: EngineSnapshot): void {
      const key = publishedKey(snapshot);
      if (stopped || key === published) return;
      published = key;
      ask();
    },
    stop() {
      stopped = true;
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
