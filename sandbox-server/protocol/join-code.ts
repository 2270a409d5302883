// Join codes are read aloud in a room: no 0/O, 1/l/I, and no case to get wrong.
export const JOIN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const JOIN_CODE_LENGTH = 6;

/** Accepts what people type: any case, spaces or dashes between groups; undefined when it cannot be a code. */
export function normalizeJoinCode(text: string): string | undefined {
  const code = text.replace(/[\s-]/g, '').toUpperCase();
  return code.length === JOIN_CODE_LENGTH && [...code].every((char) => JOIN_CODE_ALPHABET.includes(char)) ? code : undefined;
}
