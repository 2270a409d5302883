import { describe, expect, it } from 'vitest';
import {
  apparmorSecurityOpt,
  loadSandboxProfile,
  SANDBOX_APPARMOR_PROFILE,
  sandboxProfileText,
} from '../../sandbox-server/sandboxes/apparmor.ts';

const withAppArmor = { enabled: true, mediatesUserns: false };

describe("Dockhand's AppArmor profile", () => {
  it('grants user namespaces only where AppArmor 4 mediates them (a 3.x parser rejects the rule)', () => {
    const v3 = sandboxProfileText({ mediatesUserns: false });
    const v4 = sandboxProfileText({ mediatesUserns: true });
    expect(v3).toMatch(/^abi <abi\/3\.0>,/);
    expect(v3).not.toMatch(/^\s*userns,/m);
    expect(v4).toMatch(/^abi <abi\/4\.0>,/);
    expect(v4).toMatch(/^\s*userns,$/m);
  });

  it('allows what a nested engine needs and denies the host interfaces', () => {
    const text = sandboxProfileText({ mediatesUserns: false });
    for (const rule of ['mount,', 'umount,', 'pivot_root,', 'file,']) expect(text).toContain(`\n  ${rule}\n`);
    const denied = [
      '/proc/sysrq-trigger',
      '/proc/kcore',
      '/proc/kmsg',
      '/sys/firmware/**',
      '/sys/kernel/security/**',
      '/sys/kernel/debug/**',
    ];
    for (const path of [...denied, '/sys/devices/virtual/powercap/**']) {
      expect(text).toMatch(new RegExp(`^\\s*deny ${path.replace(/[*/]/g, '\\$&')} rwklx,$`, 'm'));
    }
    // Writes to /proc itself, to other processes' directories, and to sysctls beyond net.* and kernel.shm*.
    expect(text).toContain('  deny /proc/* w,\n');
    expect(text).toContain('  deny /proc/sys/[^kn]** w,\n');
    expect(text).toContain('  deny /proc/sys/kernel/{?,??,[^s][^h][^m]**} w,\n');
    expect(text).not.toMatch(/#include|include </);
  });

  it('is loaded only where AppArmor runs, and not when the operator opts out', async () => {
    const calls: string[][] = [];
    const parser = async (args: string[]) => {
      calls.push(args);
    };
    expect(await loadSandboxProfile({ enabled: false, mediatesUserns: false }, true, parser)).toEqual({ state: 'absent' });
    expect(await loadSandboxProfile(withAppArmor, false, parser)).toEqual({
      state: 'off',
      reason: 'DOCKHAND_APPARMOR=off is set',
    });
    expect(calls).toEqual([]);
    const loaded = await loadSandboxProfile(withAppArmor, true, parser);
    expect(loaded).toEqual({ state: 'loaded', profile: SANDBOX_APPARMOR_PROFILE });
    expect(calls).toEqual([['--replace', '--skip-cache']]);
    expect(apparmorSecurityOpt(loaded)).toBe(`apparmor=${SANDBOX_APPARMOR_PROFILE}`);
  });

  it('falls back to unconfined with the reason when the parser is missing or refuses', async () => {
    const missing = await loadSandboxProfile(withAppArmor, true, async () => {
      throw Object.assign(new Error('spawn apparmor_parser ENOENT'), { code: 'ENOENT' });
    });
    expect(missing).toEqual({ state: 'off', reason: 'apparmor_parser is not installed' });
    expect(apparmorSecurityOpt(missing)).toBe('apparmor=unconfined');
    const refused = await loadSandboxProfile(withAppArmor, true, async () => {
      throw new Error('apparmor_parser: Access denied. You need policy admin privileges');
    });
    expect(refused).toMatchObject({ state: 'off', reason: expect.stringMatching(/policy admin/) });
  });
});
