// <dockhand-engine>: the Engine tab. Draws the learner's own engine from the snapshots the server pushes
// on the events socket (sandbox-server/protocol/engine.ts): containers, images with their layer stacks
// (a layer that several images share is drawn alike in each, and says with whom), volumes, networks.
// Everything is built as DOM nodes with text, never HTML: names come from the learner.
import type { EngineContainer, EngineImage, EngineSnapshot } from '../../sandbox-server/protocol/engine.ts';
import { part } from './parts.ts';

type Part = 'containers' | 'images' | 'volumes' | 'networks';

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** A stable hue per shared layer, so one layer looks the same in every stack it is part of. */
function hueOf(key: string): number {
  let hash = 0;
  for (const char of key.slice(-12)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 360;
}

const nameOf = (image: EngineImage) => image.tags[0] ?? `untagged ${image.id.replace(/^sha256:/, '').slice(0, 12)}`;

export class EngineViewElement extends HTMLElement {
  /** Keys of what the last snapshot showed, so what is new can be marked. */
  #seen = new Set<string>();
  #first = true;

  /** Shows a snapshot; `updatedAt` records when (the end-to-end test measures with it). */
  update(snapshot: EngineSnapshot): void {
    const seen = new Set<string>();
    const fresh = (key: string) => {
      seen.add(key);
      return !this.#first && !this.#seen.has(key);
    };
    const { hidden } = snapshot;
    this.#fill('containers', snapshot.containers, hidden.containers, (container) =>
      this.#container(container, snapshot, fresh(`c:${container.id}`)),
    );
    const owners = new Map<string, string[]>();
    for (const image of snapshot.images)
      for (const layer of image.layers) owners.set(layer.key, [...(owners.get(layer.key) ?? []), nameOf(image)]);
    this.#fill('images', snapshot.images, hidden.images, (image) =>
      this.#image(image, owners, fresh(`i:${image.id}:${image.tags.join(',')}`)),
    );
    this.#fill('volumes', snapshot.volumes, hidden.volumes, (volume) =>
      this.#item(
        fresh(`v:${volume.name}`),
        volume.name,
        volume.mountedBy.length ? `mounted by ${volume.mountedBy.join(', ')}` : 'not mounted',
      ),
    );
    this.#fill('networks', snapshot.networks, hidden.networks, (network) =>
      this.#item(
        fresh(`n:${network.name}:${network.containers.join(',')}`),
        network.name,
        `${network.driver}${network.containers.length ? ` · ${network.containers.join(', ')}` : ' · nobody on it'}`,
      ),
    );
    this.#seen = seen;
    this.#first = false;
    this.#status('');
    this.dataset.updatedAt = String(performance.now());
  }

  /** No engine to show (no sandbox yet, or it ended). */
  clear(message: string): void {
    for (const kind of ['containers', 'images', 'volumes', 'networks'] as const) this.#fill(kind, [], 0, () => element('li', ''));
    this.#seen = new Set();
    this.#first = true;
    this.#status(message);
  }

  /** The engine could not be read just now: what is shown stays, with the reason above it. */
  problem(message: string): void {
    this.#status(message);
  }

  #status(message: string): void {
    const status = this.querySelector<HTMLElement>('.engine-status');
    if (!status) return;
    status.textContent = message;
    status.hidden = !message;
  }

  /** A list of what is shown, and a last line counting what is not (the server sends at most a few hundred). */
  #fill<T>(kind: Part, items: T[], hidden: number, draw: (item: T) => HTMLElement): void {
    const section = part(this, kind);
    part(section, 'count').textContent = String(items.length + hidden);
    const more = hidden > 0 ? [element('li', 'engine-item engine-more', `and ${hidden} more not shown here`)] : [];
    part(section, 'list').replaceChildren(...items.map(draw), ...more);
    part(section, 'empty').hidden = items.length > 0;
  }

  #item(isFresh: boolean, name: string, detail: string): HTMLElement {
    const item = element('li', 'engine-item', element('span', 'engine-name', name), element('span', 'engine-detail', detail));
    if (isFresh) item.classList.add('fresh');
    return item;
  }

  #container(container: EngineContainer, snapshot: EngineSnapshot, isFresh: boolean): HTMLElement {
    const running = container.state === 'running';
    const image = snapshot.images.find((candidate) => candidate.id === container.imageId);
    const state = element('span', `engine-state ${running ? 'running' : 'stopped'}`, container.status || container.state);
    const ports = container.ports.map((port) =>
      port.host === null ? `${port.container}/${port.protocol}` : `localhost:${port.host} → ${port.container}/${port.protocol}`,
    );
    const details = [`image ${image ? nameOf(image) : container.image}`, ...(ports.length ? [`ports ${ports.join(', ')}`] : [])];
    if (container.volumes.length) details.push(`volumes ${container.volumes.join(', ')}`);
    if (container.networks.length) details.push(`network ${container.networks.join(', ')}`);
    const item = element(
      'li',
      'engine-item container',
      element('span', 'engine-name', container.name),
      state,
      ...details.map((detail) => element('span', 'engine-detail', detail)),
    );
    item.dataset.name = container.name;
    if (isFresh) item.classList.add('fresh');
    return item;
  }

  #image(image: EngineImage, owners: Map<string, string[]>, isFresh: boolean): HTMLElement {
    const tags = element(
      'span',
      'engine-tags',
      ...(image.tags.length ? image.tags : [nameOf(image)]).map((tag) =>
        element('span', `engine-tag${image.tags.length ? '' : ' untagged'}`, tag),
      ),
    );
    const stack = element('ol', 'engine-layers');
    stack.setAttribute('aria-label', `${image.layers.length} layer${image.layers.length === 1 ? '' : 's'}, top first`);
    // Drawn as a stack: the newest layer on top, the base at the bottom.
    for (const layer of image.layers.toReversed()) {
      const others = (owners.get(layer.key) ?? []).filter((owner) => owner !== nameOf(image));
      const row = element(
        'li',
        'engine-layer',
        element('span', 'engine-step', layer.createdBy || 'layer'),
        element('span', 'engine-detail', layer.size === null ? '' : formatBytes(layer.size)),
      );
      if (others.length) {
        row.classList.add('shared');
        row.style.setProperty('--layer-hue', String(hueOf(layer.key)));
        row.append(element('span', 'engine-shared', `shared with ${others.join(', ')}`));
      }
      stack.append(row);
    }
    const item = element(
      'li',
      'engine-item image',
      element('div', 'engine-image-head', tags, element('span', 'engine-detail', formatBytes(image.size))),
      stack,
    );
    item.dataset.tags = image.tags.join(' ');
    item.dataset.layers = String(image.layers.length);
    if (isFresh) item.classList.add('fresh');
    return item;
  }
}

if (!customElements.get('dockhand-engine')) customElements.define('dockhand-engine', EngineViewElement);
