// The instructor's admin token: DOCKHAND_ADMIN_TOKEN when set (checked with the other settings), otherwise
// generated on first start and kept (mode 0600) in the state directory so it survives restarts. One set in
// the environment is never printed: logs are read by more people than the environment is.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Shorter tokens are refused (when the configuration is read, see config.ts). */
export const ADMIN_TOKEN_MIN_LENGTH = 16;

export type AdminToken = { token: string; source: 'environment' | 'stored' | 'generated' };

export function loadAdminToken(stateDir: string, fromEnv: string | undefined): AdminToken {
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

/** The start's line about the token: the token itself only when Dockhand made it (whoever set it knows it). */
export function adminTokenNotice(admin: AdminToken): string {
  if (admin.source === 'environment') return 'instructor admin token: the one set in DOCKHAND_ADMIN_TOKEN';
  return `instructor admin token: ${admin.token} (set DOCKHAND_ADMIN_TOKEN to choose your own)`;
}
