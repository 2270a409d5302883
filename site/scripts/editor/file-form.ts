// The small form under the file list that names a new file, a new folder, or a new name for an entry.
import type { Selection } from './file-tree.ts';
import { typedPath } from './paths.ts';

export type FormMode = { kind: 'file' | 'dir' } | { kind: 'rename'; entry: Selection };

/** `submit` does the work; when it throws, its message is said and the form stays open for another try. */
export function createFileForm(
  form: HTMLFormElement,
  actions: { submit(mode: FormMode, path: string): Promise<void>; error(message: string): void },
) {
  const input = form.querySelector('input') as HTMLInputElement;
  const label = form.querySelector('.file-form-label') as HTMLElement;
  const submitButton = form.querySelector('[type="submit"]') as HTMLButtonElement;
  let mode: FormMode | undefined;

  const hide = () => {
    form.hidden = true;
    mode = undefined;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const path = typedPath(input.value);
    if (!mode || !path) return;
    submitButton.disabled = true;
    try {
      await actions.submit(mode, path);
      hide();
    } catch (error) {
      actions.error(error instanceof Error ? error.message : String(error));
      input.focus();
    }
    submitButton.disabled = false;
  });
  (form.querySelector('.file-form-cancel') as HTMLButtonElement).addEventListener('click', hide);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide();
  });

  return {
    /** Opens the form; a new entry's path starts in `folder`. */
    show(next: FormMode, folder: string) {
      mode = next;
      if (next.kind === 'rename') {
        label.textContent = `New name for ${next.entry.path}`;
        input.value = next.entry.path;
        submitButton.textContent = 'Rename';
      } else {
        label.textContent = next.kind === 'dir' ? 'New folder (a path in your workspace)' : 'New file (a path in your workspace)';
        input.value = folder ? `${folder}/` : '';
        submitButton.textContent = 'Create';
      }
      form.hidden = false;
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    },
    hide,
  };
}
