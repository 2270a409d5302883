// The workspace file API's answers (GET/PUT/POST /api/sessions/:id/files…).
/** `modifiedMs`: the last change, in ms since the epoch, so a client can tell that a file changed. */
export type Entry = { name: string; path: string; type: 'file' | 'dir' | 'other'; size: number; modifiedMs: number };
export type Listing = { entries: Entry[]; truncated: boolean };
export type TextFile = { path: string; content: string; size: number };
export type SavedFile = { path: string; size: number };
export type CreatedEntry = { path: string; type: 'file' | 'dir' };
export type RenamedEntry = { from: string; path: string };
