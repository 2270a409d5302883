// Times in the CSV export as the dashboard shows them: in the instructor's own time zone, written as
// ISO 8601 with that zone's offset, so a spreadsheet and the dashboard agree and neither hides the zone.

/** An IANA zone name such as "Europe/Berlin" that this Node knows, or undefined. */
export function knownTimeZone(zone: string): string | undefined {
  if (zone.length === 0 || zone.length > 64) return undefined;
  try {
    // Throws for a name it does not know; the name stays as asked (its canonical form may be an older alias).
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/** "2026-12-06T07:50:12+01:00" for `ms` in `zone` (UTC gives "+00:00"). */
export function zonedIso(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  // "GMT+01:00", or plain "GMT" for a zero offset.
  const offset = part('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset}`;
}
