import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../sandbox-server/config.ts';
import { networkPlan } from '../../sandbox-server/sandboxes/network.ts';
import { parseSubnet, sandboxCapacity, sandboxRange } from '../../sandbox-server/sandboxes/subnet.ts';
import { defaultHostReserve, defaultMaxSandboxes } from '../../sandbox-server/sessions/admission.ts';

describe('loadConfig', () => {
  it('has defaults that need no environment', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.stateDir.endsWith('/.dockhand')).toBe(true);
    expect(config.instance).toBe('main');
  });

  it('takes HOST, PORT and DOCKHAND_STATE_DIR from the environment', () => {
    const config = loadConfig({ HOST: '0.0.0.0', PORT: '9000', DOCKHAND_STATE_DIR: '/tmp/dh-state' });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9000, stateDir: '/tmp/dh-state' });
  });

  it('takes DOCKHAND_PREVIEW_URL as one origin, or with {session} as the first label of its host name', () => {
    expect(loadConfig({ DOCKHAND_PREVIEW_URL: 'https://preview.example.org/' }).previewUrl).toBe('https://preview.example.org');
    expect(loadConfig({ DOCKHAND_PREVIEW_URL: 'https://{session}.preview.example.org' }).previewUrl).toBe(
      'https://{session}.preview.example.org',
    );
    expect(loadConfig({ DOCKHAND_PREVIEW_URL: 'http://{session}.preview.test:8081/' }).previewUrl).toBe(
      'http://{session}.preview.test:8081',
    );
  });

  it.each([
    ['preview.example.org'],
    ['https://preview.example.org/path'],
    ['https://preview-{session}.example.org'],
    ['https://preview.{session}.example.org'],
    ['https://{session}.{session}.example.org'],
    ['https://example.org/{session}'],
    ['ftp://{session}.example.org'],
  ])('refuses DOCKHAND_PREVIEW_URL=%s with a sentence naming the variable', (url) => {
    expect(() => loadConfig({ DOCKHAND_PREVIEW_URL: url })).toThrow(/DOCKHAND_PREVIEW_URL must be an http\(s\) origin/);
  });

  it.each([['abc'], ['70000'], ['-1'], ['8080.5']])('refuses PORT=%s with a sentence naming the variable', (port) => {
    expect(() => loadConfig({ PORT: port })).toThrow(/PORT must be a port number/);
  });

  it('accepts subnets from /16 to /24 and bounds the pool by what they hold', () => {
    expect(loadConfig({ DOCKHAND_SUBNET: '10.77.0.0/16' }).backend.subnet).toMatchObject({ cidr: '10.77.0.0/16', prefix: 16 });
    expect(() => loadConfig({ DOCKHAND_SUBNET: '10.77.0.0/16', DOCKHAND_POOL_MAX: '500' })).not.toThrow();
    expect(() => loadConfig({ DOCKHAND_SUBNET: '10.0.3.0/24', DOCKHAND_POOL_MAX: '200' })).toThrow(
      /DOCKHAND_POOL_MAX must be a whole number from 0 to 127/,
    );
  });

  it.each([['10.0.0.0/15'], ['10.0.0.0/25'], ['300.1.1.0/24'], ['10.0.1.0/16'], ['10.0.0.5/24'], ['fd00::/64']])(
    'refuses the subnet %s with a sentence naming the variable',
    (subnet) => {
      expect(() => loadConfig({ DOCKHAND_SUBNET: subnet })).toThrow(/DOCKHAND_SUBNET must be an IPv4 network from \/16 to \/24/);
    },
  );

  it('gives instances whose names share a prefix bridges of their own, at most 15 characters', () => {
    const a = loadConfig({ DOCKHAND_INSTANCE: 'probe18080' }).backend.bridgeName;
    const b = loadConfig({ DOCKHAND_INSTANCE: 'probe18081' }).backend.bridgeName;
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(15);
    expect(loadConfig({}).backend.bridgeName).toBe('dockhand-main');
    expect(() => loadConfig({ DOCKHAND_BRIDGE: 'a-very-long-bridge-name' })).toThrow(/DOCKHAND_BRIDGE/);
  });

  it('bounds live sandboxes by memory and subnet, and sessions per client, unless told otherwise', () => {
    const config = loadConfig({});
    expect(config.admission.maxSandboxes).toBeGreaterThanOrEqual(1);
    expect(config.admission.maxSandboxes).toBeLessThanOrEqual(511);
    expect(config.admission.perClient).toBe(2);
    expect(loadConfig({ DOCKHAND_MAX_SANDBOXES: '5', DOCKHAND_SESSIONS_PER_CLIENT: '3' }).admission).toMatchObject({
      maxSandboxes: 5,
      perClient: 3,
    });
    expect(() => loadConfig({ DOCKHAND_MAX_SANDBOXES: '600' })).toThrow(/DOCKHAND_MAX_SANDBOXES must be a whole number from 1 to 511/);
    expect(() => loadConfig({ DOCKHAND_SUBNET: '10.0.3.0/24', DOCKHAND_MAX_SANDBOXES: '200' })).toThrow(/from 1 to 127/);
    expect(loadConfig({ DOCKHAND_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.2' }).trustedProxies).toEqual(['127.0.0.1', '10.0.0.2']);
  });

  it('by default, a room of 250 fits: the subnet holds 511 and a 24 GiB host admits 250 at the guarantee', () => {
    const { backend, admission } = loadConfig({ DOCKHAND_HOST_RESERVE: String(defaultHostReserve(24 * 1024 ** 3)) });
    const { subnet } = backend;
    expect(subnet.cidr).toBe('172.31.208.0/22');
    expect(sandboxCapacity(subnet)).toBe(511);
    expect(defaultMaxSandboxes(24 * 1024 ** 3, admission.memory, sandboxCapacity(subnet))).toBeGreaterThanOrEqual(250);
  });

  it("keeps the default subnet clear of the test, bench and lesson-test instances' own", () => {
    const range = (subnet: { base: number; prefix: number }) => [subnet.base, subnet.base + 2 ** (32 - subnet.prefix)] as const;
    const [start, end] = range(loadConfig({}).backend.subnet);
    // test/support/env.ts, scripts/bench.ts (a /22 for its density part), scripts/lessons-test.ts.
    for (const other of ['172.31.214.0/24', '172.31.204.0/22', '172.31.216.0/24']) {
      const [otherStart, otherEnd] = range(parseSubnet(other) as NonNullable<ReturnType<typeof parseSubnet>>);
      expect(otherEnd <= start || otherStart >= end).toBe(true);
    }
  });

  it('lets the preflight fix the host unless DOCKHAND_FIX_HOST=off', () => {
    expect(loadConfig({}).fixHost).toBe(true);
    expect(loadConfig({ DOCKHAND_FIX_HOST: 'off' }).fixHost).toBe(false);
    expect(() => loadConfig({ DOCKHAND_FIX_HOST: 'maybe' })).toThrow(/DOCKHAND_FIX_HOST must be on or off/);
  });

  it('refuses an instance name that cannot be part of Docker resource names', () => {
    expect(() => loadConfig({ DOCKHAND_INSTANCE: 'Bad Name' })).toThrow(/DOCKHAND_INSTANCE/);
  });
});

describe('networkPlan', () => {
  it('puts the gateway at .1 and the mirror at .2 of the sandbox subnet', () => {
    const plan = networkPlan(loadConfig({ DOCKHAND_SUBNET: '10.99.3.0/24', DOCKHAND_INSTANCE: 'x' }));
    expect(plan).toMatchObject({ gateway: '10.99.3.1', mirrorIp: '10.99.3.2', mirrorPort: 5000, name: 'dockhand-x-sandboxes' });
  });

  it('gives sandboxes the upper half of a /16', () => {
    const { subnet } = loadConfig({ DOCKHAND_SUBNET: '10.77.0.0/16' }).backend;
    expect(sandboxRange(subnet)).toBe('10.77.128.0/17');
    expect(sandboxCapacity(subnet)).toBe(32_767);
    expect(networkPlan(loadConfig({ DOCKHAND_SUBNET: '10.77.0.0/16' }))).toMatchObject({ gateway: '10.77.0.1', mirrorIp: '10.77.0.2' });
  });
});

describe("the backend's own section", () => {
  it('is read by the backend DOCKHAND_BACKEND names: its kind, what it can hold, and its own settings', () => {
    expect(loadConfig({ DOCKHAND_SUBNET: '10.0.3.0/24', DOCKHAND_INSTANCE: 'x' }).backend).toMatchObject({
      kind: 'dind',
      capacity: 127,
      subnet: { cidr: '10.0.3.0/24' },
      bridgeName: 'dockhand-x',
    });
  });

  it('refuses a backend there is none of, with its other problems in the same sentence list', () => {
    expect(() => loadConfig({ DOCKHAND_BACKEND: 'k8s', DOCKHAND_SUBNET: 'nope' })).toThrow(
      /DOCKHAND_BACKEND must be dind \(got "k8s"\)[\s\S]*DOCKHAND_SUBNET must be/,
    );
  });
});
