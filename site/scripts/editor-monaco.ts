// The editor itself, loaded on demand: Monaco with only the editor worker and the languages the lessons
// use, on the learner's ~/workspace through the file API. A file list, open, edit, save (Ctrl/Cmd-S or
// the button, always with a final newline), new files and folders, rename, and a marker on every file
// with unsaved changes. The list and the open file follow what the terminal changes: re-read when the
// tab is shown or the window focused, and every few seconds while the learner works in the editor; an
// open file with unsaved edits is never replaced without asking.
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/codeEditor/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/toggleTabFocusMode/register';
import 'monaco-editor/languages/definitions/dockerfile/register';
import 'monaco-editor/languages/definitions/shell/register';
import 'monaco-editor/languages/definitions/yaml/register';
import 'monaco-editor/languages/definitions/python/register';
import 'monaco-editor/languages/definitions/ini/register';
import { editor, KeyCode, KeyMod, Uri } from 'monaco-editor/editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import type { CreatedEntry, Entry, Listing, RenamedEntry, TextFile } from '../../sandbox-server/protocol/files.ts';
import { api, type Session } from './session.ts';

/** `saved`: the text as last read or saved, to tell the learner's own save from a change made elsewhere. */
type OpenFile = { model: editor.ITextModel; savedVersion: number; saved: string; stamp: string | undefined };
type FormMode = { kind: 'file' | 'dir' } | { kind: 'rename'; entry: Pick<Entry, 'path' | 'type'> };

/** How often the open editor looks for changes made in the terminal, and for how long after the learner's last action. */
const FOLLOW_MS = 5000;
const FOLLOW_WINDOW_MS = 2 * 60_000;

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = { getWorker: () => new EditorWorker() };

const filePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
const stampOf = (entry: Entry) => `${entry.size}:${entry.modifiedMs}`;
const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function mountEditor(panel: HTMLElement) {
  const list = panel.querySelector('.file-tree') as HTMLElement;
  const nameLabel = panel.querySelector('.file-name') as HTMLElement;
  const saveButton = panel.querySelector('.save-file') as HTMLButtonElement;
  const refreshButton = panel.querySelector('.refresh-files') as HTMLButtonElement;
  const renameButton = panel.querySelector('[data-file-action="rename"]') as HTMLButtonElement;
  const form = panel.querySelector('.file-form') as HTMLFormElement;
  const formInput = form.querySelector('input') as HTMLInputElement;
  const formLabel = form.querySelector('.file-form-label') as HTMLElement;
  const formSubmit = form.querySelector('[type="submit"]') as HTMLButtonElement;
  const changed = panel.querySelector('.disk-changed') as HTMLElement;
  const status = panel.querySelector('.editor-status') as HTMLElement;
  const host = panel.querySelector('.editor-host') as HTMLElement;
  const files = new Map<string, OpenFile>();
  /** Folders the learner opened in the list, kept open across refreshes. */
  const expanded = new Set<string>();
  /** The entries last listed, by path. */
  let known = new Map<string, Entry>();
  let session: Session | undefined;
  let current: string | undefined;
  let selected: Pick<Entry, 'path' | 'type'> | undefined;
  let formMode: FormMode | undefined;
  let activeUntil = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<void> | undefined;
  let visible = false;
  let noSession = 'The editor opens the files of your sandbox once it has started.';

  const dark = matchMedia('(prefers-color-scheme: dark)');
  const instance = editor.create(host, {
    model: null,
    automaticLayout: true,
    theme: dark.matches ? 'vs-dark' : 'vs',
    fontSize: 14,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    ariaLabel: 'File editor',
  });
  dark.addEventListener('change', () => editor.setTheme(dark.matches ? 'vs-dark' : 'vs'));

  const isDirty = (path: string) => {
    const file = files.get(path);
    return Boolean(file && file.model.getAlternativeVersionId() !== file.savedVersion);
  };
  const showState = () => {
    const dirty = current ? isDirty(current) : false;
    nameLabel.textContent = current ? `${current}${dirty ? ' ●' : ''}` : 'No file open';
    nameLabel.title = dirty ? 'Unsaved changes' : '';
    saveButton.disabled = !current || !dirty;
    renameButton.disabled = !selected;
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
  };
  const say = (message: string) => {
    status.textContent = message;
  };

  const listing = async (dir: string): Promise<Entry[]> => {
    if (!session) return [];
    const { entries } = await api<Listing>(session, 'GET', `/api/sessions/${session.id}/files?dir=${encodeURIComponent(dir)}`);
    // Sockets, devices and the like cannot be edited: not listed.
    return entries.filter((entry) => entry.type !== 'other');
  };

  /** Lists the workspace again, with every folder the learner opened (that still exists). */
  const renderTree = async () => {
    const seen = new Map<string, Entry>();
    const build = async (dir: string, into: HTMLElement) => {
      const entries = await listing(dir);
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
      for (const entry of await listing(parentOf(current)).catch(() => [])) seen.set(entry.path, entry);
    }
    known = seen;
    if (selected && !seen.has(selected.path)) selected = undefined;
    showState();
  };

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
        void open(entry.path);
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
      if (expand) await build(entry.path, children).catch((error: Error) => say(error.message));
      showState();
    });
    if (isOpen) await build(entry.path, children);
    item.append(button, children);
    return item;
  };

  const read = async (path: string) => {
    if (!session) throw new Error('no sandbox');
    return (await api<TextFile>(session, 'GET', `/api/sessions/${session.id}/files/${filePath(path)}`)).content;
  };

  /** Puts new text in a model as one edit (undo still works), keeping the cursor and scroll where they were. */
  const replaceText = (file: OpenFile, content: string) => {
    const view = current && files.get(current) === file ? instance.saveViewState() : null;
    file.model.pushEditOperations([], [{ range: file.model.getFullModelRange(), text: content }], () => null);
    file.savedVersion = file.model.getAlternativeVersionId();
    file.saved = content;
    if (view) instance.restoreViewState(view);
  };

  const open = async (path: string) => {
    if (!session) return;
    let file = files.get(path);
    // A file not being edited is read again: the learner may have changed it in the terminal.
    if (!file || !isDirty(path)) {
      try {
        const content = await read(path);
        if (file) replaceText(file, content);
        else {
          const model = editor.createModel(content, undefined, Uri.file(`/workspace/${path}`));
          file = { model, savedVersion: model.getAlternativeVersionId(), saved: content, stamp: undefined };
        }
        const entry = known.get(path);
        file.stamp = entry ? stampOf(entry) : undefined;
        files.set(path, file);
      } catch (error) {
        return say(errorText(error));
      }
    }
    current = path;
    changed.hidden = true;
    instance.setModel(file.model);
    instance.updateOptions({ ariaLabel: `Editing ${path}` });
    say(`Opened ${path}. Ctrl+S saves; Ctrl+M lets Tab move the focus out of the editor.`);
    showState();
    instance.focus();
  };

  /** The open file changed on disk (or went away): reload it quietly, or ask when there are unsaved edits. */
  const followOpenFile = async () => {
    const path = current;
    const file = path ? files.get(path) : undefined;
    if (!path || !file || !session) return;
    const entry = known.get(path);
    if (!entry) {
      if (known.has(parentOf(path)) || parentOf(path) === '')
        say(`${path} is no longer in your workspace (deleted or renamed in the terminal); Save writes it again.`);
      return;
    }
    const stamp = stampOf(entry);
    if (stamp === file.stamp) return;
    const content = await read(path);
    // Renamed (or another file opened) while this was read: what was read belongs to no open file.
    if (current !== path) return;
    file.stamp = stamp;
    // The learner's own save, seen for the first time.
    if (content === file.saved) return;
    if (!isDirty(path)) {
      replaceText(file, content);
      say(`Reloaded ${path}: it changed in your sandbox.`);
      showState();
      return;
    }
    (changed.querySelector('.disk-changed-message') as HTMLElement).textContent =
      `${path} changed in your sandbox since you opened it, and you have unsaved edits.`;
    changed.dataset.path = path;
    changed.dataset.content = content;
    changed.hidden = false;
  };

  /** Looks at the workspace again (one refresh at a time). */
  const refresh = () => {
    refreshing ??= renderTree()
      .then(followOpenFile)
      .catch((error: Error) => say(error.message))
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };

  /** While the learner works in the shown editor (and the page is visible), the workspace is looked at now and then. */
  const follow = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!visible || !session || document.visibilityState !== 'visible' || Date.now() > activeUntil) return;
    timer = setTimeout(() => void refresh().then(follow), FOLLOW_MS);
  };
  const active = () => {
    activeUntil = Date.now() + FOLLOW_WINDOW_MS;
    if (!timer) follow();
  };

  (changed.querySelector('.disk-load') as HTMLButtonElement).addEventListener('click', () => {
    const file = files.get(changed.dataset.path ?? '');
    if (file) replaceText(file, changed.dataset.content ?? '');
    changed.hidden = true;
    say(`Loaded the new version of ${changed.dataset.path}.`);
    showState();
    instance.focus();
  });
  (changed.querySelector('.disk-keep') as HTMLButtonElement).addEventListener('click', () => {
    changed.hidden = true;
    say(`Kept your edits to ${changed.dataset.path}; saving replaces the version in your sandbox.`);
    instance.focus();
  });

  const save = async () => {
    const path = current;
    const file = path ? files.get(path) : undefined;
    if (!session || !path || !file) return;
    // Files end with a newline (shells, diff and git expect one): added to the text itself, so it shows.
    const model = file.model;
    if (model.getValueLength() > 0 && !model.getValue().endsWith('\n')) {
      const end = model.getFullModelRange().getEndPosition();
      model.pushEditOperations(
        [],
        [
          {
            range: { startLineNumber: end.lineNumber, startColumn: end.column, endLineNumber: end.lineNumber, endColumn: end.column },
            text: '\n',
          },
        ],
        () => null,
      );
    }
    const version = model.getAlternativeVersionId();
    const content = model.getValue();
    saveButton.disabled = true;
    try {
      await api(session, 'PUT', `/api/sessions/${session.id}/files/${filePath(path)}`, { content });
      file.savedVersion = version;
      file.saved = content;
      changed.hidden = true;
      say(`Saved ${path}.`);
    } catch (error) {
      say(`Not saved: ${errorText(error)}`);
    }
    showState();
  };

  const showForm = (mode: FormMode) => {
    formMode = mode;
    const folder = current ? parentOf(current) : '';
    const base = selected?.type === 'dir' ? selected.path : folder;
    if (mode.kind === 'rename') {
      formLabel.textContent = `New name for ${mode.entry.path}`;
      formInput.value = mode.entry.path;
      formSubmit.textContent = 'Rename';
    } else {
      formLabel.textContent = mode.kind === 'dir' ? 'New folder (a path in your workspace)' : 'New file (a path in your workspace)';
      formInput.value = base ? `${base}/` : '';
      formSubmit.textContent = 'Create';
    }
    form.hidden = false;
    formInput.focus();
    formInput.setSelectionRange(formInput.value.length, formInput.value.length);
  };
  const hideForm = () => {
    form.hidden = true;
    formMode = undefined;
  };

  /** A file renamed while open stays open (with its unsaved edits) under its new name. */
  const moveOpenFiles = (from: string, to: string) => {
    for (const [path, file] of [...files]) {
      if (path !== from && !path.startsWith(`${from}/`)) continue;
      const next = to + path.slice(from.length);
      const model = editor.createModel(file.model.getValue(), undefined, Uri.file(`/workspace/${next}`));
      const moved = { model, savedVersion: model.getAlternativeVersionId(), saved: file.saved, stamp: undefined };
      // Unsaved edits stay unsaved: the new model starts one edit away from what is on disk.
      if (isDirty(path)) moved.savedVersion = -1;
      if (current === path) {
        current = next;
        instance.setModel(model);
      }
      file.model.dispose();
      files.delete(path);
      files.set(next, moved);
    }
    for (const path of [...expanded]) {
      if (path === from || path.startsWith(`${from}/`)) {
        expanded.delete(path);
        expanded.add(to + path.slice(from.length));
      }
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const mode = formMode;
    const path = formInput.value.trim().replace(/\/+$/, '');
    if (!session || !mode || !path) return;
    formSubmit.disabled = true;
    // A look at the workspace already under way would otherwise read the file under its old name.
    await refreshing;
    try {
      if (mode.kind === 'rename') {
        const renamed = await api<RenamedEntry>(session, 'POST', `/api/sessions/${session.id}/files/${filePath(mode.entry.path)}`, {
          op: 'rename',
          to: path,
        });
        moveOpenFiles(renamed.from, renamed.path);
        selected = { path: renamed.path, type: mode.entry.type };
        for (let dir = parentOf(renamed.path); dir; dir = parentOf(dir)) expanded.add(dir);
        say(`Renamed ${renamed.from} to ${renamed.path}.`);
      } else {
        const created = await api<CreatedEntry>(session, 'POST', `/api/sessions/${session.id}/files/${filePath(path)}`, {
          op: 'create',
          type: mode.kind,
        });
        for (let dir = parentOf(created.path); dir; dir = parentOf(dir)) expanded.add(dir);
        if (created.type === 'dir') expanded.add(created.path);
        selected = created;
        say(`Created ${created.path}.`);
      }
      hideForm();
      await refresh();
      if (mode.kind === 'file' && selected) await open(selected.path);
      showState();
    } catch (error) {
      say(errorText(error));
      formInput.focus();
    }
    formSubmit.disabled = false;
  });
  (form.querySelector('.file-form-cancel') as HTMLButtonElement).addEventListener('click', hideForm);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hideForm();
  });
  for (const button of panel.querySelectorAll<HTMLButtonElement>('[data-file-action]')) {
    button.addEventListener('click', () => {
      const action = button.dataset.fileAction;
      if (action === 'rename' && selected) showForm({ kind: 'rename', entry: selected });
      else if (action === 'file' || action === 'dir') showForm({ kind: action });
    });
  }

  instance.onDidChangeModelContent(showState);
  instance.addCommand(KeyMod.CtrlCmd | KeyCode.KeyS, () => void save());
  saveButton.addEventListener('click', () => void save());
  refreshButton.addEventListener('click', () => void refresh());
  for (const type of ['keydown', 'pointerdown'] as const) panel.addEventListener(type, active);
  window.addEventListener('focus', () => {
    if (visible && session) void refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && visible && session) void refresh().then(follow);
  });
  window.addEventListener('beforeunload', (event) => {
    if ([...files.keys()].some(isDirty)) event.preventDefault();
  });

  return {
    /** The sandbox to edit in; without one, `why` is what the editor says instead. */
    useSession(next: Session | undefined, why?: string) {
      noSession = why ?? 'The editor opens the files of your sandbox once it has started.';
      if (!next) say(noSession);
      if (next?.id === session?.id) return;
      session = next;
      current = undefined;
      selected = undefined;
      changed.hidden = true;
      hideForm();
      instance.setModel(null);
      for (const file of files.values()) file.model.dispose();
      files.clear();
      expanded.clear();
      known.clear();
      list.replaceChildren();
      showState();
    },
    /** The editor tab was shown (refresh) or hidden (stop following the workspace). */
    shown(now: boolean) {
      visible = now;
      if (!now) {
        clearTimeout(timer);
        timer = undefined;
        return;
      }
      if (!session) return say(noSession);
      active();
      void refresh();
    },
  };
}
