// The file API of one session's ~/workspace, as the editor calls it (sandbox-server/api/files.ts).
import type { CreatedEntry, Entry, Listing, RenamedEntry, TextFile } from '../../../sandbox-server/protocol/files.ts';
import { api, type Session } from '../session.ts';
import { urlPath } from './paths.ts';

export type WorkspaceFiles = ReturnType<typeof workspaceFiles>;

export function workspaceFiles(session: Session) {
  const base = `/api/sessions/${session.id}/files`;
  return {
    /** A folder's entries that can be edited (sockets, devices and the like are left out). */
    async list(dir: string): Promise<Entry[]> {
      const { entries } = await api<Listing>(session, 'GET', `${base}?dir=${encodeURIComponent(dir)}`);
      return entries.filter((entry) => entry.type !== 'other');
    },
    async read(path: string): Promise<string> {
      return (await api<TextFile>(session, 'GET', `${base}/${urlPath(path)}`)).content;
    },
    async write(path: string, content: string): Promise<void> {
      await api(session, 'PUT', `${base}/${urlPath(path)}`, { content });
    },
    create(path: string, type: 'file' | 'dir'): Promise<CreatedEntry> {
      return api<CreatedEntry>(session, 'POST', `${base}/${urlPath(path)}`, { op: 'create', type });
    },
    rename(from: string, to: string): Promise<RenamedEntry> {
      return api<RenamedEntry>(session, 'POST', `${base}/${urlPath(from)}`, { op: 'rename', to });
    },
  };
}
