// Limits and patterns that the server enforces and the site respects, stated once for both.

/** A lesson or exercise slug: lowercase letters and digits in dash-separated words, at most 64 characters. */
export const SLUG_PATTERN = /^(?=.{1,64}$)[a-z0-9]+(-[a-z0-9]+)*$/;
export const SLUG_WHAT = 'lowercase letters, digits and dashes';

/** A session's terminals are numbered 1 … TERMINAL_WINDOWS; each is its own shell. */
export const TERMINAL_WINDOWS = 8;
/** The WebSocket server's maxPayload for terminal sockets: larger frames close the socket with 1009. */
export const TERMINAL_MAX_PAYLOAD = 64 * 1024;
/** Clients split input (a big paste) into binary frames of at most this many bytes. */
export const TERMINAL_INPUT_FRAME = 16 * 1024;
export const MAX_COLS = 1000;
export const MAX_ROWS = 500;

/**
 * What no display name or title may hold: control characters, text-direction overrides and isolates
 * (which make "Ada" read as another name on the dashboard or in a spreadsheet), and characters that
 * show nothing (zero-width, joiners, soft hyphens, fillers, tags), with which two names look the same.
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: invisible combining marks are refused one by one, on purpose
export const HIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\uffa0]/u;
export const HIDDEN_CHARACTER_WHAT = 'no control, invisible or text-direction characters';

/** A display name in a workshop. */
export const NAME_MAX = 40;
export const WORKSHOP_TITLE_MAX = 120;
export const BROADCAST_MAX = 500;
/** Seats and expected participants of one workshop. */
export const WORKSHOP_PEOPLE_MAX = 1000;
/**
 * Participants (rows) one workshop ever holds: people come and go, so more than its seats, but a
 * bound, so that nobody who has the code can fill the database with names.
 */
export const WORKSHOP_PARTICIPANTS_MAX = 2 * WORKSHOP_PEOPLE_MAX;
