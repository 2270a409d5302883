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
import { editor, KeyCode, KeyMod } from 'monaco-editor/editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import { createFileForm, type FormMode } from './editor/file-form.ts';
import { createFileTree } from './editor/file-tree.ts';
import { createOpenFiles, type OpenFile, replaceText as replaceOnDisk } from './editor/open-files.ts';
import { foldersAbove, parentOf, stampOf } from './editor/paths.ts';
import { type WorkspaceFiles, workspaceFiles } from './editor/workspace-files.ts';
import type { Session } from './session.ts';

/** How often the open editor looks for changes made in the terminal, and for how long after the learner's last action. */
const FOLLOW_MS = 5000;
const FOLLOW_WINDOW_MS = 2 * 60_000;
const NO_SESSION = 'The editor opens the files of your sandbox once it has started.';

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = { getWorker: () => new EditorWorker() };

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function mountEditor(panel: HTMLElement) {
  const nameLabel = panel.querySelector('.file-name') as HTMLElement;
  const saveButton = panel.querySelector('.save-file') as HTMLButtonElement;
  const refreshButton = panel.querySelector('.refresh-files') as HTMLButtonElement;
  const renameButton = panel.querySelector('[data-file-action="rename"]') as HTMLButtonElement;
  const changed = panel.querySelector('.disk-changed') as HTMLElement;
  const status = panel.querySelector('.editor-status') as HTMLElement;
  const openFiles = createOpenFiles();
  const isDirty = openFiles.isDirty;
  let files: WorkspaceFiles | undefined;
  let sessionId: string | undefined;
  let current: string | undefined;
  let activeUntil = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<void> | undefined;
  let visible = false;
  let noSession = NO_SESSION;

  const say = (message: string) => {
    status.textContent = message;
  };

  const dark = matchMedia('(prefers-color-scheme: dark)');
  const instance = editor.create(panel.querySelector('.editor-host') as HTMLElement, {
    model: null,
    automaticLayout: true,
    theme: dark.matches ? 'vs-dark' : 'vs',
    fontSize: 14,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    ariaLabel: 'File editor',
  });
  dark.addEventListener('change', () => editor.setTheme(dark.matches ? 'vs-dark' : 'vs'));

  const showState = () => {
    const dirty = current ? isDirty(current) : false;
    nameLabel.textContent = current ? `${current}${dirty ? ' ●' : ''}` : 'No file open';
    nameLabel.title = dirty ? 'Unsaved changes' : '';
    saveButton.disabled = !current || !dirty;
    renameButton.disabled = !tree.selected();
    tree.mark(current, isDirty);
  };
  const tree = createFileTree(panel.querySelector('.file-tree') as HTMLElement, {
    open: (path) => void open(path),
    error: say,
    changed: () => showState(),
  });

  /** New text from disk, keeping the cursor and scroll where they were in the file shown. */
  const replaceText = (file: OpenFile, content: string) => {
    const view = current && openFiles.get(current) === file ? instance.saveViewState() : null;
    replaceOnDisk(file, content);
    if (view) instance.restoreViewState(view);
  };

  const open = async (path: string) => {
    if (!files) return;
    let file = openFiles.get(path);
    // A file not being edited is read again: the learner may have changed it in the terminal.
    if (!file || !isDirty(path)) {
      try {
        const content = await files.read(path);
        const entry = tree.known(path);
        file = openFiles.loaded(path, content, entry ? stampOf(entry) : undefined);
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
    const file = path ? openFiles.get(path) : undefined;
    if (!path || !file || !files) return;
    const entry = tree.known(path);
    if (!entry) {
      if (tree.listed(parentOf(path)))
        say(`${path} is no longer in your workspace (deleted or renamed in the terminal); Save writes it again.`);
      return;
    }
    const stamp = stampOf(entry);
    if (stamp === file.stamp) return;
    const content = await files.read(path);
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
    const listing = files;
    if (!listing) return Promise.resolve();
    refreshing ??= tree
      .render(listing, current)
      .then(showState)
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
    if (!visible || !files || document.visibilityState !== 'visible' || Date.now() > activeUntil) return;
    timer = setTimeout(() => void refresh().then(follow), FOLLOW_MS);
  };
  const active = () => {
    activeUntil = Date.now() + FOLLOW_WINDOW_MS;
    if (!timer) follow();
  };

  (changed.querySelector('.disk-load') as HTMLButtonElement).addEventListener('click', () => {
    const file = openFiles.get(changed.dataset.path ?? '');
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
    const file = path ? openFiles.get(path) : undefined;
    if (!files || !path || !file) return;
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
      await files.write(path, content);
      file.savedVersion = version;
      file.saved = content;
      changed.hidden = true;
      say(`Saved ${path}.`);
    } catch (error) {
      say(`Not saved: ${errorText(error)}`);
    }
    showState();
  };

  /** A file renamed while open stays open (with its unsaved edits) under its new name. */
  const moveOpenFiles = (from: string, to: string) => {
    for (const move of openFiles.moved(from, to)) {
      if (current !== move.from) continue;
      current = move.to;
      instance.setModel(move.model);
    }
    tree.moved(from, to);
  };

  const form = createFileForm(panel.querySelector('.file-form') as HTMLFormElement, {
    error: say,
    async submit(mode: FormMode, path: string) {
      if (!files) throw new Error('no sandbox');
      // A look at the workspace already under way would otherwise read the file under its old name.
      await refreshing;
      if (mode.kind === 'rename') {
        const renamed = await files.rename(mode.entry.path, path);
        moveOpenFiles(renamed.from, renamed.path);
        tree.select({ path: renamed.path, type: mode.entry.type });
        tree.expand(foldersAbove(renamed.path));
        say(`Renamed ${renamed.from} to ${renamed.path}.`);
      } else {
        const created = await files.create(path, mode.kind);
        tree.expand([...foldersAbove(created.path), ...(created.type === 'dir' ? [created.path] : [])]);
        tree.select(created);
        say(`Created ${created.path}.`);
      }
      await refresh();
      const selected = tree.selected();
      if (mode.kind === 'file' && selected) await open(selected.path);
      showState();
    },
  });
  for (const button of panel.querySelectorAll<HTMLButtonElement>('[data-file-action]')) {
    button.addEventListener('click', () => {
      const action = button.dataset.fileAction;
      const selected = tree.selected();
      if (action === 'rename' && selected) form.show({ kind: 'rename', entry: selected }, '');
      else if (action === 'file' || action === 'dir') {
        form.show({ kind: action }, selected?.type === 'dir' ? selected.path : current ? parentOf(current) : '');
      }
    });
  }

  instance.onDidChangeModelContent(showState);
  instance.addCommand(KeyMod.CtrlCmd | KeyCode.KeyS, () => void save());
  saveButton.addEventListener('click', () => void save());
  refreshButton.addEventListener('click', () => void refresh());
  for (const type of ['keydown', 'pointerdown'] as const) panel.addEventListener(type, active);
  window.addEventListener('focus', () => {
    if (visible && files) void refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && visible && files) void refresh().then(follow);
  });
  window.addEventListener('beforeunload', (event) => {
    if (openFiles.anyDirty()) event.preventDefault();
  });

  return {
    /** The sandbox to edit in; without one, `why` is what the editor says instead. */
    useSession(next: Session | undefined, why?: string) {
      noSession = why ?? NO_SESSION;
      if (!next) say(noSession);
      if (next?.id === sessionId) return;
      sessionId = next?.id;
      files = next ? workspaceFiles(next) : undefined;
      current = undefined;
      changed.hidden = true;
      form.hide();
      instance.setModel(null);
      openFiles.clear();
      tree.clear();
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
      if (!files) return say(noSession);
      active();
      void refresh();
    },
  };
}
