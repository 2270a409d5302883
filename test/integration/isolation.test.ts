// What a learner can reach from inside a sandbox, as the learner and from an inner container: the
// image mirror, and nothing of the host or of other sandboxes. Every "cannot" is paired with the same
// request succeeding from the host, so a test fails when the isolation breaks, not only when a
// service is down.
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createConnection, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runAsLearner } from '../../sandbox-server/sandboxes/backend.ts';
import { connectHostEngine, removeContainer } from '../../sandbox-server/sandboxes/docker.ts';
import { applyFirewall, firewallFor, listRules, METADATA_ADDRESSES } from '../../sandbox-server/sandboxes/firewall.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import { hostTag } from '../../sandbox-server/sandboxes/kit/images.ts';
import { labelsFor, resourceName } from '../../sandbox-server/sandboxes/labels.ts';
import {
  destroySandbox,
  type SandboxContainer,
  sandboxAddress,
  startSandbox,
  waitForEngine,
} from '../../sandbox-server/sandboxes/sandbox.ts';
import { testConfig } from '../support/env.ts';
import { runOutsideLearner, testBackend } from '../support/sandbox.ts';

const host = connectHostEngine();
const sandboxHost = inject('sandboxHost');
const { network } = sandboxHost;
const config = testConfig();
const options = sandboxOptions(config, sandboxHost);
const backend = testBackend();
const publisherName = resourceName(config.instance, 'isolation-publisher');
const BUSYBOX_PAGE = ['sh', '-c', 'mkdir -p /www && echo "$0" > /www/index.html && exec httpd -f -p 80 -h /www'];

let sandbox: SandboxContainer;
let other: SandboxContainer;
let otherAddress: string;
let api: HttpServer;
let apiPort: number;
let publishedPort: number;
const dockerPorts: TcpServer[] = [];

beforeAll(async () => {
  [sandbox, other] = await Promise.all([startSandbox(host, options), startSandbox(host, options)]);
  await Promise.all([waitForEngine(host, sandbox), waitForEngine(host, other)]);
  otherAddress = await sandboxAddress(host, other, network);
  // The other sandbox's learner publishes a port, as a lesson would have them do.
  const published = await runAsLearner(backend, other, [
    'docker',
    'run',
    '-d',
    '-p',
    '8080:80',
    'busybox',
    ...BUSYBOX_PAGE,
    'other-sandbox',
  ]);
  expect(published.exitCode, published.stderr).toBe(0);
  // Stands in for the Dockhand API: the host listening on every address.
  api = createHttpServer((_req, res) => res.end('dockhand-api'));
  api.listen(0, '0.0.0.0');
  await once(api, 'listening');
  apiPort = (api.address() as AddressInfo).port;
  // Stands in for a Docker Engine exposed over TCP (unless something already listens there: just as good).
  for (const port of [2375, 2376]) {
    const server = createTcpServer((socket) => socket.on('error', () => {}).end('docker'));
    await new Promise<void>((resolve) => server.once('error', () => resolve()).listen(port, '0.0.0.0', () => resolve()));
    if (server.listening) dockerPorts.push(server);
  }
  // Another container on the host's default bridge, publishing a port on every host address.
  const publisher = await host.createContainer({
    name: publisherName,
    Image: hostTag('busybox:latest'),
    Cmd: [...BUSYBOX_PAGE, 'published-on-host'],
    Labels: labelsFor(config.instance, 'sandbox'),
    ExposedPorts: { '80/tcp': {} },
    HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }] } },
  });
  await publisher.start();
  const info = await publisher.inspect();
  publishedPort = Number(info.NetworkSettings.Ports['80/tcp']?.[0]?.HostPort);
});

afterAll(async () => {
  api?.close();
  for (const server of dockerPorts) server.close();
  await removeContainer(host, publisherName);
  await Promise.all([sandbox && destroySandbox(host, sandbox), other && destroySandbox(host, other)]);
});

/** An HTTP GET as the learner; exit code 0 means a reply came back. */
function learnerGet(target: SandboxContainer, url: string) {
  return runAsLearner(backend, target, ['curl', '-sS', '--connect-timeout', '3', '--max-time', '5', url]);
}

/**
 * The same GET from a container the learner runs on their own engine. `--init` lets `timeout` stop
 * wget (as PID 1 it would ignore the signal).
 */
function innerGet(target: SandboxContainer, url: string) {
  return runAsLearner(backend, target, ['docker', 'run', '--rm', '--init', 'busybox', 'timeout', '5', 'wget', '-q', '-O', '-', url]);
}

async function hostGet(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return response.text();
}

function hostConnects(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: address, port, timeout: 3_000 });
    const settle = (connected: boolean) => {
      socket.destroy();
      resolve(connected);
    };
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });
}

describe('from inside a sandbox', () => {
  it('the Dockhand API on the host is out of reach, though the host reaches it at the same address', async () => {
    const url = `http://${network.gateway}:${apiPort}/`;
    expect(await hostGet(url)).toBe('dockhand-api');
    const [learner, inner] = await Promise.all([learnerGet(sandbox, url), innerGet(sandbox, url)]);
    expect(learner.exitCode).not.toBe(0);
    expect(learner.stdout).not.toContain('dockhand-api');
    expect(inner.exitCode).not.toBe(0);
    expect(inner.stdout).not.toContain('dockhand-api');
  });

  it("the host's Docker Engine is out of reach: no socket inside, nothing on TCP 2375/2376", async () => {
    const socket = await runAsLearner(backend, sandbox, [
      'sh',
      '-c',
      'ls /var/run/docker.sock /run/docker.sock 2>&1; grep -c docker.sock /proc/self/mountinfo; echo "$DOCKER_HOST"',
    ]);
    expect(socket.stdout).toMatch(/No such file.*\n.*No such file.*\n0\nunix:\/\/\/run\/user\/1000\/docker.sock\n$/);
    for (const port of [2375, 2376]) {
      expect(await hostConnects(network.gateway, port)).toBe(true);
      const probe = await runAsLearner(backend, sandbox, ['nc', '-z', '-w', '3', network.gateway, String(port)]);
      expect(probe.exitCode).not.toBe(0);
    }
  });

  it('ports other containers publish on the host are out of reach, though the host reaches them', async () => {
    const url = `http://${network.gateway}:${publishedPort}/`;
    expect(await hostGet(url)).toBe('published-on-host\n');
    const learner = await learnerGet(sandbox, url);
    expect(learner.exitCode).not.toBe(0);
    expect(learner.stdout).not.toContain('published-on-host');
  });

  it('another sandbox is out of reach, though the host reaches the port its learner published', async () => {
    const url = `http://${otherAddress}:8080/`;
    expect(await hostGet(url)).toBe('other-sandbox\n');
    const [learner, inner] = await Promise.all([learnerGet(sandbox, url), innerGet(sandbox, url)]);
    expect(learner.exitCode).not.toBe(0);
    expect(learner.stdout).not.toContain('other-sandbox');
    expect(inner.exitCode).not.toBe(0);
    expect(inner.stdout).not.toContain('other-sandbox');
  });

  it('the image mirror is in reach, for the learner and for inner containers', async () => {
    const url = `http://${network.mirrorIp}:${network.mirrorPort}/v2/`;
    const [learner, inner] = await Promise.all([learnerGet(sandbox, url), innerGet(sandbox, url)]);
    expect(learner.stdout.trim()).toBe('{}');
    expect(learner.exitCode).toBe(0);
    expect(inner.stdout.trim()).toBe('{}');
    expect(inner.exitCode).toBe(0);
  });

  it('IPv6 is off, so no link-local path leads around the IPv4 firewall', async () => {
    // In the sandbox's own network namespace, the one on the bridge (the learner's is RootlessKit's, behind it).
    const result = await runOutsideLearner({ id: sandbox.id }, 'cat /proc/sys/net/ipv6/conf/*/disable_ipv6 | sort -u; ip -6 address');
    expect(result.stdout).toBe('1\n');
  });

  it('runs under its own seccomp profile: host-wide calls are refused, the keyring and io_uring missing', async () => {
    // x86-64 numbers: bpf, init_module, keyctl, io_uring_setup, and getpid as the control.
    const calls = { bpf: 321, init_module: 175, keyctl: 250, io_uring_setup: 425, getpid: 39 };
    const script = Object.entries(calls)
      .map(([name, number]) => `syscall(${number}, 0, 0, 0) == -1 ? print "${name} ", $! + 0, "\\n" : print "${name} ok\\n";`)
      .join(' ');
    const result = await runAsLearner(backend, sandbox, ['sh', '-c', `grep Seccomp: /proc/self/status; perl -e '${script}'`]);
    expect(result.stdout).toBe('Seccomp:\t2\nbpf 1\ninit_module 1\nkeyctl 38\nio_uring_setup 38\ngetpid ok\n');
  });

  it('the learner cannot raise the limits, not even as root of a user namespace of their own', async () => {
    // cgroup v1 paths first, then v2.
    const script = `
      pids=$(ls /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null | head -n 1)
      memory=$(ls /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null | head -n 1)
      (echo max > "$pids") 2>/dev/null && echo raised-pids
      (echo 8589934592 > "$memory") 2>/dev/null && echo raised-memory
      unshare -Urm sh -c "mount -o remount,rw,bind \${pids%/*} || true; echo max > $pids" 2>/dev/null && echo raised-pids-as-userns-root
      cat "$pids" "$memory"`;
    const result = await runAsLearner(backend, sandbox, ['sh', '-c', script]);
    expect(result.stdout).toBe(`${config.limits.pids}\n${config.limits.memoryBytes}\n`);
  });

  it('the learner sees no host devices: only the minimal nodes, /dev/net/tun and no block devices', async () => {
    const result = await runAsLearner(backend, sandbox, ['sh', '-c', 'ls -A /dev; echo --; ls -A /dev/net; echo --; find /dev -type b']);
    const [nodes, net, blocks] = result.stdout.split('--\n').map((part) => part.trim().split('\n').filter(Boolean));
    expect(nodes).toEqual([
      'fd',
      'full',
      'mqueue',
      'net',
      'null',
      'ptmx',
      'pts',
      'random',
      'shm',
      'stderr',
      'stdin',
      'stdout',
      'tty',
      'urandom',
      'zero',
    ]);
    expect(net).toEqual(['tun']);
    expect(blocks).toEqual([]);
  });
});

describe("the sandbox bridge's host firewall", () => {
  it('jumps once from INPUT and DOCKER-USER, drops the cloud metadata addresses, and reapplying changes nothing', async () => {
    const firewall = firewallFor(network);
    const chains = ['INPUT', 'DOCKER-USER', firewall.inputChain, firewall.forwardChain];
    const before = await Promise.all(chains.map(listRules));
    await applyFirewall(network);
    const [input = [], dockerUser = [], ...own] = await Promise.all(chains.map(listRules));
    // Other instances on this engine may put their own jumps first meanwhile, so order is not compared.
    expect(input.filter((rule) => rule.includes(`-i ${network.bridge} `))).toEqual([
      `-A INPUT -i ${network.bridge} -j ${firewall.inputChain}`,
    ]);
    expect(dockerUser.filter((rule) => rule.includes(`-i ${network.bridge} `))).toEqual([
      `-A DOCKER-USER -i ${network.bridge} -j ${firewall.forwardChain}`,
    ]);
    expect(own).toEqual(before.slice(2));
    for (const address of METADATA_ADDRESSES) expect(own[1]).toContain(`-A ${firewall.forwardChain} -d ${address}/32 -j DROP`);
  });
});
