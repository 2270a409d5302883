import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../sandbox-server/config.ts';
import { networkPlan } from '../../sandbox-server/sandboxes/network.ts';

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

  it.each([['abc'], ['70000'], ['-1'], ['8080.5']])('refuses PORT=%s with a sentence naming the variable', (port) => {
    expect(() => loadConfig({ PORT: port })).toThrow(/PORT must be a port number/);
  });

  it('refuses a subnet that is not an IPv4 /24', () => {
    expect(() => loadConfig({ DOCKHAND_SUBNET: '10.0.0.0/16' })).toThrow(/DOCKHAND_SUBNET/);
    expect(() => loadConfig({ DOCKHAND_SUBNET: '300.1.1.0/24' })).toThrow(/DOCKHAND_SUBNET/);
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
});
