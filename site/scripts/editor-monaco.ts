// The editor itself, loaded on demand: Monaco with only the editor worker and the languages the lessons
// use, on the learner's ~/workspace through the file API. A file list, open, edit, save (Ctrl/Cmd-S or
// the button), and a marker on every file with unsaved changes.
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
import type { Entry, Listing, TextFile } from '../../sandbox-server/protocol/files.ts';
import { api, type Session } from './session.ts';

type OpenFile = { model: editor.ITextModel; savedVersion: number };

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = { getWorker: () => new EditorWorker() };

const filePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export function mountEditor(panel: HTMLElement) {
  const list = panel.querySelector('.file-tree') as HTMLElement;
  const nameLabel = panel.querySelector('.file-name') as HTMLElement;
  const saveButton = panel.querySelector('.save-file') as HTMLButtonElement;
  const refreshButton = panel.querySelector('.refresh-files') as HTMLButtonElement;
  const status = panel.querySelector('.editor-status') as HTMLElement;
  const host = panel.querySelector('.editor-host') as HTMLElement;
  const files = new Map<string, OpenFile>();
  let session: Session | undefined;
  let current: string | undefined;

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
    for (const button of list.querySelectorAll<HTMLElement>('[data-path]')) {
      const changed = isDirty(button.dataset.path as string);
      button.classList.toggle('dirty', changed);
      button.setAttribute('aria-label', `${button.dataset.name}${changed ? ', unsaved changes' : ''}`);
    }
  };
  const say = (message: string) => {
    status.textContent = message;
  };

  const listDir = async (dir: string, into: HTMLElement) => {
    if (!session) return;
    const { entries } = await api<Listing>(session, 'GET', `/api/sessions/${session.id}/files?dir=${encodeURIComponent(dir)}`);
    // Sockets, devices and the like cannot be edited: not listed.
    const sorted = entries
      .filter((entry) => entry.type !== 'other')
      .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'dir' ? -1 : 1));
    into.replaceChildren(...sorted.map(entryItem));
    if (sorted.length === 0 && dir === '') into.innerHTML = '<li class="empty">Your workspace is empty.</li>';
    showState();
  };

  const entryItem = (entry: Entry) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `file-entry ${entry.type}`;
    button.textContent = entry.name;
    if (entry.type === 'file') {
      button.dataset.path = entry.path;
      button.dataset.name = entry.name;
      button.addEventListener('click', () => void open(entry.path));
      item.append(button);
      return item;
    }
    const children = document.createElement('ul');
    children.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    button.addEventListener('click', async () => {
      const expand = children.hidden;
      button.setAttribute('aria-expanded', String(expand));
      children.hidden = !expand;
      if (expand) await listDir(entry.path, children).catch((error: Error) => say(error.message));
    });
    item.append(button, children);
    return item;
  };

  const open = async (path: string) => {
    if (!session) return;
    let file = files.get(path);
    // A file not being edited is read again: the learner may have changed it in the terminal.
    if (!file || !isDirty(path)) {
      try {
        const { content } = await api<TextFile>(session, 'GET', `/api/sessions/${session.id}/files/${filePath(path)}`);
        if (file) file.model.setValue(content);
        else file = { model: editor.createModel(content, undefined, Uri.file(`/workspace/${path}`)), savedVersion: 0 };
        file.savedVersion = file.model.getAlternativeVersionId();
        files.set(path, file);
      } catch (error) {
        return say(error instanceof Error ? error.message : String(error));
      }
    }
    current = path;
    instance.setModel(file.model);
    instance.updateOptions({ ariaLabel: `Editing ${path}` });
    for (const button of list.querySelectorAll<HTMLElement>('[data-path]')) {
      if (button.dataset.path === path) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
    say(`Opened ${path}. Ctrl+S saves; Ctrl+M lets Tab move the focus out of the editor.`);
    showState();
    instance.focus();
  };

  const save = async () => {
    const path = current;
    const file = path ? files.get(path) : undefined;
    if (!session || !path || !file) return;
    const version = file.model.getAlternativeVersionId();
    saveButton.disabled = true;
    try {
      await api(session, 'PUT', `/api/sessions/${session.id}/files/${filePath(path)}`, { content: file.model.getValue() });
      file.savedVersion = version;
      say(`Saved ${path}.`);
    } catch (error) {
      say(`Not saved: ${error instanceof Error ? error.message : String(error)}`);
    }
    showState();
  };

  instance.onDidChangeModelContent(showState);
  instance.addCommand(KeyMod.CtrlCmd | KeyCode.KeyS, () => void save());
  saveButton.addEventListener('click', () => void save());
  refreshButton.addEventListener('click', () => void listDir('', list).catch((error: Error) => say(error.message)));
  window.addEventListener('beforeunload', (event) => {
    if ([...files.keys()].some(isDirty)) event.preventDefault();
  });

  return {
    useSession(next: Session | undefined) {
      if (next?.id === session?.id) return;
      session = next;
      current = undefined;
      instance.setModel(null);
      for (const file of files.values()) file.model.dispose();
      files.clear();
      list.replaceChildren();
      showState();
    },
    refresh() {
      if (!session) return say('The editor opens the files of your sandbox once it has started.');
      void listDir('', list).catch((error: Error) => say(error.message));
    },
  };
}
