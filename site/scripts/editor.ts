// The editor tab's light part: Monaco (a few MB) is fetched only when the learner first opens the tab.
import type { Session } from './session.ts';

type Mounted = Awaited<ReturnType<typeof import('./editor-monaco.ts').mountEditor>>;

export function createLazyEditor(panel: HTMLElement) {
  let mounting: Promise<Mounted | undefined> | undefined;
  let session: Session | undefined;
  const status = panel.querySelector('.editor-loading') as HTMLElement;

  return {
    /** The editor tab was shown. */
    async show(): Promise<void> {
      if (!mounting) {
        status.hidden = false;
        status.textContent = 'Loading the editor…';
        mounting = import('./editor-monaco.ts')
          .then(({ mountEditor }) => mountEditor(panel))
          .catch((error: Error) => {
            status.textContent = `The editor could not be loaded (${error.message}); reload the page to try again.`;
            mounting = undefined;
            return undefined;
          });
      }
      const editor = await mounting;
      if (!editor) return;
      status.hidden = true;
      editor.useSession(session);
      editor.refresh();
    },
    /** The session changed (ready, ended, new): the editor follows once it is loaded. */
    async setSession(next: Session | undefined): Promise<void> {
      session = next;
      (await mounting)?.useSession(next);
    },
  };
}
