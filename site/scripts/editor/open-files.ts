// The files open in the editor: one Monaco model each, what was last read or saved, and whether the
// learner has changed it since.
import { editor, Uri } from 'monaco-editor/editor';
import { movedPath } from './paths.ts';

/** `saved`: the text as last read or saved, to tell the learner's own save from a change made elsewhere. */
export type OpenFile = { model: editor.ITextModel; savedVersion: number; saved: string; stamp: string | undefined };

const modelFor = (path: string, content: string) => editor.createModel(content, undefined, Uri.file(`/workspace/${path}`));

export function createOpenFiles() {
  const files = new Map<string, OpenFile>();
  const isDirty = (path: string) => {
    const file = files.get(path);
    return Boolean(file && file.model.getAlternativeVersionId() !== file.savedVersion);
  };
  return {
    get: (path: string) => files.get(path),
    isDirty,
    anyDirty: () => [...files.keys()].some(isDirty),
    /** A file read from disk: a new model, or new text in the one already open. */
    loaded(path: string, content: string, stamp: string | undefined): OpenFile {
      let file = files.get(path);
      if (file) replaceText(file, content);
      else {
        const model = modelFor(path, content);
        file = { model, savedVersion: model.getAlternativeVersionId(), saved: content, stamp };
        files.set(path, file);
      }
      file.stamp = stamp;
      return file;
    },
    /** A rename: every open file at or below `from` gets a model under its new path; returns the moves. */
    moved(from: string, to: string): { from: string; to: string; model: editor.ITextModel }[] {
      const moves = [];
      for (const [path, file] of [...files]) {
        const next = movedPath(path, from, to);
        if (next === undefined) continue;
        const model = modelFor(next, file.model.getValue());
        // Unsaved edits stay unsaved: the new model starts one edit away from what is on disk.
        const savedVersion = isDirty(path) ? -1 : model.getAlternativeVersionId();
        file.model.dispose();
        files.delete(path);
        files.set(next, { model, savedVersion, saved: file.saved, stamp: undefined });
        moves.push({ from: path, to: next, model });
      }
      return moves;
    },
    clear() {
      for (const file of files.values()) file.model.dispose();
      files.clear();
    },
  };
}

/** Puts new text in a model as one edit (undo still works) and counts it as what is on disk. */
export function replaceText(file: OpenFile, content: string) {
  file.model.pushEditOperations([], [{ range: file.model.getFullModelRange(), text: content }], () => null);
  file.savedVersion = file.model.getAlternativeVersionId();
  file.saved = content;
}
