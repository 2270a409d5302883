// The editor's file list: the workspace's folders as a tree of buttons, the folders the learner opened
// kept open across refreshes, and which entry is selected (for rename and for where new files go).
import type { Entry } from '../../../sandbox-server/protocol/files.ts';
import { movedPath, parentOf } from './paths.ts';
import type { WorkspaceFiles } from './workspace-files.ts';

export type Selection = Pick<Entry, 'path' | 'type'>;

type TreeEvents = {
  /** A file's button was clicked. */
  open(path: string): void;
  /** A folder could not be listed. */
  error(message: string): void;
  /** The selection or the tree changed: the editor shows its state again. */
  changed(): void;
};

export function createFileTree(list: HTMLElement, events: TreeEvents) {
  /** Folders the learner opened, kept open across refreshes. */
  const expanded = new Set<string>();
  /** The entries last listed, by path. */
  let known = new Map<string, Entry>();
  let selected: Selection | undefined;

  const entryItem = async (entry: Entry, build: (dir: string, into: HTMLElement) => Promise<void>) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `file-entry ${entry.type}`;
    button.textContent = entry.name;
    button.dataset.path = entry.path;
    button.dataset.name = entry.name;
    if (entry.type === 'file') {
      button.addEventListener('click', () => {
        selected = entry;
        events.open(entry.path);
      });
      item.append(button);
      return item;
    }
    const children = document.createElement('ul');
    const isOpen = expanded.has(entry.path);
    children.hidden = !isOpen;
    button.setAttribute('aria-expanded', String(isOpen));
    button.addEventListener('click', async () => {
      selected = entry;
      const expand = children.hidden;
      button.setAttribute('aria-expanded', String(expand));
      children.hidden = !expand;
      if (expand) expanded.add(entry.path);
      else expanded.delete(entry.path);
      if (expand) await build(entry.path, children).catch((error: Error) => events.error(error.message));
      events.changed();
    });
    if (isOpen) await build(entry.path, children);
    item.append(button, children);
    return item;
  };

  return {
    known: (path: string) => known.get(path),
    /** Whether a path was listed (or is the workspace itself). */
    listed: (path: string) => path === '' || known.has(path),
    selected: () => selected,
    select(entry: Selection | undefined) {
      selected = entry;
    },
    /** Lists the workspace again, with every folder the learner opened (that still exists); `current`, the open file, stays known. */
    async render(files: WorkspaceFiles, current: string | undefined) {
      const seen = new Map<string, Entry>();
      const build = async (dir: string, into: HTMLElement) => {
        const entries = await files.list(dir);
        // A folder opened later (a click) adds to what is known now.
        for (const entry of entries) {
          seen.set(entry.path, entry);
          known.set(entry.path, entry);
        }
        const items: HTMLElement[] = [];
        for (const entry of entries) items.push(await entryItem(entry, build));
        into.replaceChildren(...items);
        if (entries.length === 0 && dir === '') into.innerHTML = '<li class="empty">Your workspace is empty.</li>';
      };
      await build('', list);
      for (const path of expanded) if (seen.get(path)?.type !== 'dir') expanded.delete(path);
      // The open file may sit in a folder the learner closed again: its folder is listed too.
      if (current && !seen.has(current) && current.includes('/') && seen.has(parentOf(current))) {
        for (const entry of await files.list(parentOf(current)).catch(() => [])) seen.set(entry.path, entry);
      }
      known = seen;
      if (selected && !seen.has(selected.path)) selected = undefined;
    },
    /** Opens these folders at the next render. */
    expand(paths: string[]) {
      for (const path of paths) expanded.add(path);
    },
    /** A rename: the folders that were open below it stay open under the new name. */
    moved(from: string, to: string) {
      for (const path of [...expanded]) {
        const next = movedPath(path, from, to);
        if (next === undefined) continue;
        expanded.delete(path);
        expanded.add(next);
      }
    },
    /** Marks each entry: selected, the open file, unsaved changes (said in its accessible name too). */
    mark(current: string | undefined, isDirty: (path: string) => boolean) {
      for (const button of list.querySelectorAll<HTMLElement>('.file-entry')) {
        const path = button.dataset.path as string;
        const changedHere = button.classList.contains('file') && isDirty(path);
        button.classList.toggle('dirty', changedHere);
        button.toggleAttribute('data-selected', selected?.path === path);
        if (path === current) button.setAttribute('aria-current', 'true');
        else button.removeAttribute('aria-current');
        if (button.classList.contains('file'))
          button.setAttribute('aria-label', `${button.dataset.name}${changedHere ? ', unsaved changes' : ''}`);
      }
    },
    clear() {
      expanded.clear();
      known.clear();
      selected = undefined;
      list.replaceChildren();
    },
  };
}
