// How workshop facts read on screen: join codes in groups of three, times in the viewer's own zone.

/** "K7P4QX" → "K7P 4QX": easier to read aloud and to copy from a projector. */
export function groupedCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

/** "K7P4QX" → "K 7 P 4 Q X": a screen reader spells it out instead of guessing a word. */
export function spelledCode(code: string): string {
  return [...code].join(' ');
}

/** The link a participant opens to join; it names the workshop's first lesson when only some were chosen. */
export function joinLink(code: string, lessons: string[]): string {
  const url = new URL('/join/', location.origin);
  url.searchParams.set('code', code);
  if (lessons[0]) url.searchParams.set('lesson', lessons[0]);
  return url.toString();
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
