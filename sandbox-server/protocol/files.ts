// The workspace file API's answers (GET/PUT /api/sessions/:id/files…).
export type Entry = { name: string; path: string; type: 'file' | 'dir' | 'other'; size: number };
export type Listing = { entries: Entry[]; truncated: boolean };
export type TextFile = { path: string; content: string; size: number };
export type SavedFile = { path: string; size: number };
