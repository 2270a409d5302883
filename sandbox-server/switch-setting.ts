// An on/off setting, read the same way wherever one is (the top-level settings and a backend's own).
export function parseSwitch(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (['1', 'on', 'true', 'yes'].includes(value)) return true;
  if (['0', 'off', 'false', 'no'].includes(value)) return false;
  throw new Error(`${name} must be on or off (got "${text}").`);
}
