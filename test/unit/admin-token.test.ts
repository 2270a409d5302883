import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminTokenNotice, loadAdminToken } from '../../sandbox-server/workshops/admin-token.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-admin-token-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the admin token at the start', () => {
  it('is never printed when it was set in the environment', () => {
    const token = 'set-by-the-operator-0123456789';
    const notice = adminTokenNotice(loadAdminToken(dir, token));
    expect(notice).not.toContain(token);
    expect(notice).toMatch(/DOCKHAND_ADMIN_TOKEN/);
  });

  it('is printed when Dockhand made it (nobody else knows it), and again from the state directory', () => {
    const made = loadAdminToken(dir, undefined);
    expect(made.source).toBe('generated');
    expect(adminTokenNotice(made)).toContain(made.token);
    expect(adminTokenNotice(loadAdminToken(dir, undefined))).toContain(made.token);
  });
});
