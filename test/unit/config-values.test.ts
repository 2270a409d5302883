import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig, parseBytes, parseDuration } from '../../sandbox-server/config.ts';

describe('configuration values', () => {
  it('reads durations in ms, s, m, h and d', () => {
    expect(parseDuration('250ms', 'X')).toBe(250);
    expect(parseDuration('7d', 'X')).toBe(7 * 86_400_000);
    expect(parseDuration('1.5s', 'X')).toBe(1500);
    expect(parseDuration('30m', 'X')).toBe(1_800_000);
    expect(parseDuration(' 4h ', 'X')).toBe(14_400_000);
    expect(() => parseDuration('30', 'DOCKHAND_IDLE_TIMEOUT')).toThrow(/^DOCKHAND_IDLE_TIMEOUT must be a duration/);
  });

  it('reads sizes with k, m and g, and refuses less than 16 MiB', () => {
    expect(parseBytes('512m', 'X')).toBe(512 * 1024 ** 2);
    expect(parseBytes('4G', 'X')).toBe(4 * 1024 ** 3);
    expect(parseBytes(String(32 * 1024 ** 2), 'X')).toBe(32 * 1024 ** 2);
    expect(() => parseBytes('1m', 'DOCKHAND_SANDBOX_DISK')).toThrow(/^DOCKHAND_SANDBOX_DISK must be a size of at least 16m/);
    expect(() => parseBytes('lots', 'X')).toThrow(/must be a size/);
  });

  it('puts limits, timeouts and the pool together from the environment', () => {
    const config = loadConfig({
      DOCKHAND_SANDBOX_MEMORY: '2g',
      DOCKHAND_SANDBOX_CPUS: '0.5',
      DOCKHAND_IDLE_TIMEOUT: '5m',
      DOCKHAND_POOL_SIZE: '0',
    });
    expect(config.limits).toMatchObject({ memoryBytes: 2 * 1024 ** 3, cpus: 0.5, pids: 1024 });
    expect(config.timeouts).toMatchObject({ idleMs: 300_000, lifetimeMs: 14_400_000 });
    expect(config.poolSize).toBe(0);
  });

  it('takes the public address join links name as an http(s) origin, and none by default', () => {
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(loadConfig({ DOCKHAND_PUBLIC_URL: 'https://dockhand.example.org/' }).publicUrl).toBe('https://dockhand.example.org');
    expect(loadConfig({ DOCKHAND_PUBLIC_URL: 'http://192.168.1.20:8080' }).publicUrl).toBe('http://192.168.1.20:8080');
    expect(() => loadConfig({ DOCKHAND_PUBLIC_URL: 'dockhand.example.org' })).toThrow(/^DOCKHAND_PUBLIC_URL must be an http\(s\) origin/);
    expect(() => loadConfig({ DOCKHAND_PUBLIC_URL: 'https://example.org/dockhand' })).toThrow(/DOCKHAND_PUBLIC_URL/);
  });

  it('keeps disks for 7 days within 20 GiB unless told otherwise; 0 keeps none', () => {
    expect(loadConfig({}).keepDisks).toEqual({ maxAgeMs: 7 * 86_400_000, maxTotalBytes: 20 * 1024 ** 3 });
    expect(loadConfig({ DOCKHAND_KEEP_DISKS: '0', DOCKHAND_KEPT_DISKS_MAX: '500m' }).keepDisks).toEqual({
      maxAgeMs: 0,
      maxTotalBytes: 500 * 1024 ** 2,
    });
    expect(loadConfig({ DOCKHAND_KEEP_DISKS: '36h' }).keepDisks.maxAgeMs).toBe(36 * 3_600_000);
  });

  it.each([
    ['DOCKHAND_KEEP_DISKS', 'a week', /DOCKHAND_KEEP_DISKS must be a duration such as/],
    ['DOCKHAND_KEPT_DISKS_MAX', 'lots', /DOCKHAND_KEPT_DISKS_MAX must be a size/],
    ['DOCKHAND_POOL_SIZE', '-1', /DOCKHAND_POOL_SIZE must be a whole number from 0 to/],
    ['DOCKHAND_SANDBOX_PIDS', '10', /DOCKHAND_SANDBOX_PIDS must be a whole number from 64/],
    ['DOCKHAND_SANDBOX_CPUS', '100', /DOCKHAND_SANDBOX_CPUS must be a number of cores/],
  ])('refuses %s=%s with a sentence naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('refuses an admin token shorter than 16 characters when the settings are read, before anything starts', () => {
    expect(() => loadConfig({ DOCKHAND_ADMIN_TOKEN: 'short' })).toThrow(
      /^DOCKHAND_ADMIN_TOKEN must be at least 16 characters long \(it has 5\); choose a longer one/,
    );
    expect(loadConfig({ DOCKHAND_ADMIN_TOKEN: 'a'.repeat(16) }).adminToken).toBe('a'.repeat(16));
    expect(loadConfig({}).adminToken).toBeUndefined();
  });

  it('names every bad setting at once, one sentence each', () => {
    const problems = (() => {
      try {
        loadConfig({ DOCKHAND_ADMIN_TOKEN: 'short', PORT: 'eighty', DOCKHAND_IDLE_TIMEOUT: 'soon', DOCKHAND_SUBNET: '10.0.0.0/8' });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toHaveLength(4);
    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'DOCKHAND_SUBNET',
      'PORT',
      'DOCKHAND_ADMIN_TOKEN',
      'DOCKHAND_IDLE_TIMEOUT',
    ]);
    for (const problem of problems) expect(problem).toMatch(/^[A-Z_]+ [^\n]+\.$/);
    expect(() => loadConfig({ PORT: 'x', DOCKHAND_EGRESS: 'all' })).toThrow(
      /^2 settings need fixing:\n {2}- PORT .*\n {2}- DOCKHAND_EGRESS /,
    );
  });

  it('refuses TLS files it cannot read, trusted proxies that are not addresses, and one port for both listeners', () => {
    expect(() => loadConfig({ DOCKHAND_TLS_CERT: '/nonexistent/cert.pem', DOCKHAND_TLS_KEY: '/nonexistent/key.pem' })).toThrow(
      /DOCKHAND_TLS_CERT \/nonexistent\/cert.pem cannot be read \(ENOENT\)/,
    );
    expect(() => loadConfig({ DOCKHAND_TRUSTED_PROXIES: '127.0.0.1, proxy.local' })).toThrow(
      /^DOCKHAND_TRUSTED_PROXIES must be IP addresses separated by commas \(not an address: "proxy.local"\)/,
    );
    expect(loadConfig({ DOCKHAND_TRUSTED_PROXIES: '127.0.0.1, ::1' }).trustedProxies).toEqual(['127.0.0.1', '::1']);
    expect(() => loadConfig({ PORT: '9000', DOCKHAND_PREVIEW_PORT: '9000' })).toThrow(/^PORT and DOCKHAND_PREVIEW_PORT are both 9000/);
  });
});
