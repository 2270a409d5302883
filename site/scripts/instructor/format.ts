// How workshop facts read on screen: join codes in groups of three, times in the viewer's own zone.
import type { WorkshopView } from './types.ts';

/** "K7P4QX" → "K7P 4QX": easier to read aloud and to copy from a projector. */
export function groupedCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

/** "K7P4QX" → "K 7 P 4 Q X": a screen reader spells it out instead of guessing a word. */
export function spelledCode(code: string): string {
  return [...code].join(' ');
}

/**
 * The link a participant opens to join: the server's (DOCKHAND_PUBLIC_URL, else the address this page was
 * asked for), naming the workshop's first lesson when only some were chosen.
 */
export function joinLink(workshop: Pick<WorkshopView, 'joinUrl' | 'lessons'>): URL {
  const url = new URL(workshop.joinUrl);
  if (workshop.lessons[0]) url.searchParams.set('lesson', workshop.lessons[0]);
  return url;
}

/** A link only the computer that opens it can reach: useless to a room. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0';
}

/** What to say under a join link that names this computer only; empty when the room can use it. */
export function loopbackWarning(url: URL): string {
  if (!isLoopback(url)) return '';
  return (
    `This link names ${url.host}, which only this computer can open: participants cannot use it. ` +
    "Open this page by the machine's network address (the one participants use), or start Dockhand with " +
    'DOCKHAND_PUBLIC_URL set to it.'
  );
}

export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The value a `datetime-local` input takes: local time, to the minute. */
export function localInputValue(time: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

/** "2 h 05 min" / "12 min" / "less than a minute". */
export function remaining(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The server's error sentences come without a full stop; on the page they end like sentences. */
export function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}
