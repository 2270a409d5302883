// The editor tab's light part: Monaco (a few MB) is fetched only when the learner first opens the tab.
import { part } from './parts.ts';
import type { Session } from './session.ts';

type Mounted = Awaited<ReturnType<typeof import('./editor-monaco.ts').mountEditor>>;

export function createLazyEditor(panel: HTMLElement) {
  let mounting: Promise<Mounted | undefined> | undefined;
  let session: Session | undefined;
  let why: string | undefined;
  const status = part(panel, 'editor-loading');

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
      editor.useSession(session, why);
      editor.shown(true);
    },
    /** Another tab was shown: the editor stops looking at the workspace. */
    async hide(): Promise<void> {
      (await mounting)?.shown(false);
    },
    /** The session changed (ready, ended, new): the editor follows once it is loaded; `reason` says why there is none. */
    async setSession(next: Session | undefined, reason?: string): Promise<void> {
      session = next;
      why = reason;
      (await mounting)?.useSession(next, reason);
    },
  };
}
