// The egress policy, against hosts this test makes itself: network namespaces joined to the host by veth
// pairs, one holding a TEST-NET-3 address (standing in for the public internet, routed to its veth only),
// one a private address, and one holding the cloud metadata addresses. No traffic leaves this machine.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { EgressMode } from '../../sandbox-server/sandboxes/backend.ts';
import {
  applyFirewall,
  firewallFor,
  hostResolvers,
  METADATA_ADDRESSES,
  NON_PUBLIC_RANGES,
} from '../../sandbox-server/sandboxes/firewall.ts';
import { mirrorNames } from '../../sandbox-server/sandboxes/kit/mirror.ts';
import { testConfig } from '../support/env.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const exec = promisify(execFile);
const sandboxHost = inject('sandboxHost');
const { network } = sandboxHost;
const config = testConfig();

/**
 * A host of the test's own: namespace, veth pair (named after the instance, so two suites on one machine
 * do not collide; the addresses would, so such suites must not run at the same moment), addresses, and
 * a web server on port 8000 (and 53).
 */
type TestHost = { ns: string; hostSide: string; address: string; gateway: string; servers: ChildProcess[]; more?: string[] };
const hosts: Record<'public' | 'private' | 'metadata', TestHost> = {
  public: {
    ns: `dh-${config.instance}-pub`,
    hostSide: `dhe${config.instance.slice(0, 8)}p0`,
    address: '203.0.113.10',
    gateway: '203.0.113.1',
    servers: [],
  },
  private: {
    ns: `dh-${config.instance}-prv`,
    hostSide: `dhe${config.instance.slice(0, 8)}v0`,
    address: '192.168.251.10',
    gateway: '192.168.251.1',
    servers: [],
  },
  // Every cloud metadata address at once, each routed to this namespace only (a /32 each).
  metadata: {
    ns: `dh-${config.instance}-md`,
    hostSide: `dhe${config.instance.slice(0, 8)}m0`,
    address: METADATA_ADDRESSES[0],
    // TEST-NET-2: an address of the host's own that no network here uses.
    gateway: '198.51.100.1',
    servers: [],
    more: METADATA_ADDRESSES.slice(1),
  },
};

const ip = (...args: string[]) => exec('ip', args);

async function removeTestHost(host: TestHost): Promise<void> {
  for (const server of host.servers) server.kill();
  await ip('link', 'del', host.hostSide).catch(() => {});
  await ip('netns', 'del', host.ns).catch(() => {});
}

async function makeTestHost(host: TestHost, name: string): Promise<void> {
  await removeTestHost(host);
  const inside = `${host.hostSide.slice(0, -1)}1`;
  await ip('netns', 'add', host.ns);
  await ip('link', 'add', host.hostSide, 'type', 'veth', 'peer', 'name', inside);
  await ip('link', 'set', inside, 'netns', host.ns);
  await ip('link', 'set', host.hostSide, 'up');
  await ip('netns', 'exec', host.ns, 'ip', 'link', 'set', inside, 'up');
  await ip('netns', 'exec', host.ns, 'ip', 'link', 'set', 'lo', 'up');
  if (host.more) {
    // Addresses that are not a subnet of their own: a /32 route to each, through the veth.
    await ip('addr', 'add', `${host.gateway}/32`, 'dev', host.hostSide);
    await ip('netns', 'exec', host.ns, 'ip', 'route', 'add', `${host.gateway}/32`, 'dev', inside);
    await ip('netns', 'exec', host.ns, 'ip', 'route', 'add', 'default', 'via', host.gateway, 'dev', inside);
    for (const address of [host.address, ...host.more]) {
      await ip('netns', 'exec', host.ns, 'ip', 'addr', 'add', `${address}/32`, 'dev', inside);
      await ip('route', 'add', `${address}/32`, 'dev', host.hostSide);
    }
  } else {
    await ip('addr', 'add', `${host.gateway}/24`, 'dev', host.hostSide);
    await ip('netns', 'exec', host.ns, 'ip', 'addr', 'add', `${host.address}/24`, 'dev', inside);
    await ip('netns', 'exec', host.ns, 'ip', 'route', 'add', 'default', 'via', host.gateway);
  }
  for (const port of [8000, 53]) {
    const code = `require('http').createServer((q, s) => s.end(${JSON.stringify(name)})).listen(${port}, '0.0.0.0')`;
    host.servers.push(spawn('ip', ['netns', 'exec', host.ns, process.execPath, '-e', code], { stdio: 'ignore' }));
  }
  await vi.waitFor(
    async () => {
      const { stdout } = await exec('ip', ['netns', 'exec', host.ns, 'curl', '-s', '-m', '1', 'http://127.0.0.1:8000/']);
      if (stdout !== name) throw new Error(`the ${name} test host does not answer yet`);
    },
    { timeout: 10_000, interval: 100 },
  );
}

let sandbox: TestSandbox;

/** What the learner's shell gets from a URL: the page, or "unreachable". */
async function fetchFromSandbox(url: string): Promise<string> {
  const result = await sandbox.run(['curl', '-s', '-m', '3', url]);
  return result.exitCode === 0 ? result.stdout : 'unreachable';
}

/** The same from a container the learner runs inside the sandbox. */
async function fetchFromInnerContainer(url: string): Promise<string> {
  // `timeout` rather than wget's own -T, which crashes busybox 1.35; --init so the signal is not ignored.
  const result = await sandbox.run(['docker', 'run', '--rm', '--init', 'busybox', 'timeout', '5', 'wget', '-q', '-O', '-', url]);
  return result.exitCode === 0 ? result.stdout : 'unreachable';
}

beforeAll(async () => {
  await makeTestHost(hosts.public, 'public');
  await makeTestHost(hosts.private, 'private');
  await makeTestHost(hosts.metadata, 'metadata');
  sandbox = await startTestSandbox();
  expect((await sandbox.run(['docker', 'pull', '-q', 'busybox'])).exitCode).toBe(0);
});

afterAll(async () => {
  await applyFirewall(network);
  await sandbox?.destroy();
  await removeTestHost(hosts.public);
  await removeTestHost(hosts.private);
  await removeTestHost(hosts.metadata);
});

const publicUrl = `http://${hosts.public.address}:8000/`;
const privateUrl = `http://${hosts.private.address}:8000/`;
const mirrorUrl = `http://${network.mirrorIp}:${network.mirrorPort}/v2/`;

describe.each<[EgressMode, { public: boolean; private: boolean }]>([
  ['mirror', { public: false, private: false }],
  ['internet', { public: true, private: false }],
  ['open', { public: true, private: true }],
])('DOCKHAND_EGRESS=%s', (mode, reach) => {
  beforeAll(async () => {
    await applyFirewall({ ...network, egress: mode });
  });

  it(`the learner's shell ${reach.public ? 'reaches' : 'cannot reach'} a public address and ${reach.private ? 'reaches' : 'cannot reach'} a private one`, async () => {
    expect(await fetchFromSandbox(publicUrl)).toBe(reach.public ? 'public' : 'unreachable');
    expect(await fetchFromSandbox(privateUrl)).toBe(reach.private ? 'private' : 'unreachable');
  });

  it('an inner container is held to the same policy', async () => {
    expect(await fetchFromInnerContainer(publicUrl)).toBe(reach.public ? 'public' : 'unreachable');
    expect(await fetchFromInnerContainer(privateUrl)).toBe(reach.private ? 'private' : 'unreachable');
  });

  it('no cloud metadata address is in reach, though the host reaches each', async () => {
    const urls = METADATA_ADDRESSES.map((address) => `http://${address}:8000/`);
    for (const url of urls) expect((await exec('curl', ['-s', '-m', '2', url])).stdout).toBe('metadata');
    const fromShell = await sandbox.sh(`${urls.map((url) => `(curl -s -m 3 ${url} || echo unreachable) &`).join(' ')} wait`);
    expect(fromShell.stdout).toBe('unreachable\n'.repeat(urls.length));
    const inner = urls.map((url) => `(timeout 4 wget -q -O - ${url} || echo unreachable) &`).join(' ');
    const fromInner = await sandbox.run(['docker', 'run', '--rm', '--init', 'busybox', 'sh', '-c', `${inner} wait`]);
    expect(fromInner.stdout).toBe('unreachable\n'.repeat(urls.length));
  });

  it('the image mirror stays in reach, by address and by name', async () => {
    expect(await fetchFromSandbox(mirrorUrl)).toBe('{}');
    const resolved = await sandbox.run(['getent', 'hosts', mirrorNames(config).container]);
    expect(resolved.stdout).toMatch(new RegExp(`^${network.mirrorIp.replaceAll('.', '\\.')}\\s`));
  });
});

describe('DNS under a closed egress', () => {
  it.each(['mirror', 'internet'] as const)(
    "with %s, sandboxes reach the host's resolvers on port 53 only under `internet`, and nothing else there",
    async (mode) => {
      // The private test host stands in for the host's resolver, so no query leaves this machine.
      await applyFirewall({ ...network, egress: mode }, [hosts.private.address]);
      // Under `mirror`, not even the resolvers: a name is a tunnel to anywhere.
      expect(await fetchFromSandbox(`http://${hosts.private.address}:53/`)).toBe(mode === 'internet' ? 'private' : 'unreachable');
      expect(await fetchFromSandbox(privateUrl)).toBe('unreachable');
      expect(await fetchFromSandbox(publicUrl)).toBe(mode === 'internet' ? 'public' : 'unreachable');
    },
  );

  it("with mirror, a name that is not the sandbox network's is unknown at once, for the shell and inner containers, and pulls still work", async () => {
    await applyFirewall({ ...network, egress: 'mirror' });
    // Reserved names (RFC 6761), answered by Dockhand's DNS server; whole seconds, measured inside.
    const lookup = 's=$(date +%s); nslookup dockhand-probe.invalid; echo "took=$(( $(date +%s) - s ))"';
    const inner = await sandbox.run(['docker', 'run', '--rm', 'busybox', 'sh', '-c', lookup]);
    expect(inner.stdout).toContain('NXDOMAIN');
    expect(Number(/took=(\d+)/.exec(inner.stdout)?.[1])).toBeLessThanOrEqual(1);
    const shell = await sandbox.sh('s=$(date +%s); getent hosts dockhand-probe.test || echo "unknown took=$(( $(date +%s) - s ))"');
    expect(shell.stdout).toMatch(/^unknown took=[01]\n$/);
    expect((await sandbox.run(['docker', 'pull', '-q', 'hello-world'])).exitCode).toBe(0);
  });

  it('refuses every range that is not public, in that order after the resolvers', () => {
    const rules = firewallFor({ ...network, egress: 'internet' }, ['10.255.255.53']).rules.map((rule) => rule.spec.join(' '));
    const first = rules.findIndex((rule) => rule.includes('10.255.255.53/32'));
    for (const range of NON_PUBLIC_RANGES)
      expect(rules.findIndex((rule) => rule.startsWith(`-d ${range} -j REJECT`))).toBeGreaterThan(first);
  });

  it("reads the host's resolvers, leaving out loopback stubs", async () => {
    const resolvers = await hostResolvers();
    expect(resolvers.every((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address) && !address.startsWith('127.'))).toBe(true);
  });
});
