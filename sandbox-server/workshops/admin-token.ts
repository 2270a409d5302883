// The instructor's admin token: DOCKHAND_ADMIN_TOKEN when set (checked with the other settings), otherwise generated on first start and
// kept (mode 0600) in the state directory so it survives restarts.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Shorter tokens are refused (when the configuration is read, see config.ts). */
export const ADMIN_TOKEN_MIN_LENGTH = 16;

export function loadAdminToken(
  stateDir: string,
  fromEnv: string | undefined,
): { token: string; source: 'environment' | 'stored' | 'generated' } {
  if (fromEnv) {
    return { token: fromEnv, source: 'environment' };
  }
  const file = path.join(stateDir, 'admin-token');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return { token: stored, source: 'stored' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, source: 'generated' };
}
