// Host firewall rules for the sandbox bridge. Docker's own rules already stop sandboxes from reaching
// each other (icc off) and containers on other bridges. Closed here:
//  - traffic to the host itself goes to the INPUT chain, which DOCKER-USER never sees: the gateway
//    address, the Dockhand API, a Docker API on 2375/2376, any host process, and ports other containers
//    publish on the host (Docker does not DNAT traffic from its own bridges; docker-proxy answers it on
//    INPUT). Everything new from the bridge is dropped there, but, under `mirror` egress, DNS to the
//    gateway, where Dockhand's own DNS server says that no name exists (dns.ts);
//  - the cloud metadata services (AWS, GCP, Azure and OpenStack at 169.254.169.254, ECS tasks at
//    169.254.170.2, Alibaba at 100.100.100.200) are reachable through the host's NAT and can hand out
//    the host's credentials: dropped in every mode. (AWS's IPv6 one, fd00:ec2::254, is out of reach as
//    all IPv6 is: sandboxes run with it off, see startSandbox);
//  - with icc off, sandboxes could not reach the mirror either: exactly that is allowed;
//  - everything else a sandbox sends out is the egress policy (DOCKHAND_EGRESS): `mirror` (the default)
//    refuses it all, `internet` refuses every address that is not public (private, shared, link-local,
//    loopback, multicast, reserved) but the host's DNS resolvers on port 53, `open` refuses nothing
//    more. Refused rather than dropped, so the learner's own tools are told at once instead of waiting.
// The rules live in two chains of their own, each reached by one jump kept first in INPUT and
// DOCKER-USER, and are written with one iptables-restore, so applying is atomic and idempotent.
// IPv6 needs no rules: sandboxes run with IPv6 disabled (see createSandboxContainer).

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { EgressMode } from './backend.ts';
import { DNS_PORT } from './dns.ts';
import type { SandboxNetwork } from './network.ts';

const exec = promisify(execFile);

/** Cloud metadata services, which hand out the host's credentials: never reachable, in any mode. */
export const METADATA_ADDRESSES = ['169.254.169.254', '169.254.170.2', '100.100.100.200'] as const;

/** Never reachable with `internet` egress: every IPv4 range that is not the public internet. */
export const NON_PUBLIC_RANGES = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
];

/** "Network is unreachable" for the learner, at once. */
const REFUSE = ['-j', 'REJECT', '--reject-with', 'icmp-net-prohibited'];

type Rule = { chain: string; spec: string[] };

export type Firewall = { inputChain: string; forwardChain: string; jumps: Rule[]; rules: Rule[] };

/** `resolvers`: the host's DNS servers, which `internet` egress lets sandboxes ask (Docker's DNS forwards to them). */
export function firewallFor(plan: SandboxNetwork, resolvers: readonly string[] = []): Firewall {
  const br = plan.bridge;
  // Chain names may be 28 characters; bridge names are at most 15.
  const inputChain = `DH-IN-${br}`;
  const forwardChain = `DH-FWD-${br}`;
  const port = String(plan.mirrorPort);
  return {
    inputChain,
    forwardChain,
    jumps: [
      { chain: 'INPUT', spec: ['-i', br, '-j', inputChain] },
      { chain: 'DOCKER-USER', spec: ['-i', br, '-j', forwardChain] },
    ],
    rules: [
      { chain: inputChain, spec: ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] },
      ...(plan.egress === 'mirror' ? sandboxDns(inputChain, plan.gateway) : []),
      { chain: inputChain, spec: ['-j', 'DROP'] },
      { chain: forwardChain, spec: ['-d', `${plan.mirrorIp}/32`, '-o', br, '-p', 'tcp', '-m', 'tcp', '--dport', port, '-j', 'ACCEPT'] },
      { chain: forwardChain, spec: ['-s', `${plan.mirrorIp}/32`, '-o', br, '-p', 'tcp', '-m', 'tcp', '--sport', port, '-j', 'ACCEPT'] },
      ...METADATA_ADDRESSES.map((address) => ({ chain: forwardChain, spec: ['-d', `${address}/32`, '-j', 'DROP'] })),
      ...egressRules(forwardChain, plan.egress, resolvers),
    ],
  };
}

function egressRules(chain: string, mode: EgressMode, resolvers: readonly string[]): Rule[] {
  if (mode === 'open') return [];
  if (mode === 'mirror') return [{ chain, spec: REFUSE }];
  // Name lookups get an answer (even "no such host") at once: a resolver that cannot be reached makes
  // every lookup, and so every `docker pull` and `compose up`, wait out DNS timeouts (measured: 20 s).
  const dns = resolvers.flatMap((resolver) =>
    ['udp', 'tcp'].map((protocol) => ({
      chain,
      spec: ['-d', `${resolver}/32`, '-p', protocol, '-m', protocol, '--dport', '53', '-j', 'RETURN'],
    })),
  );
  return [...dns, ...NON_PUBLIC_RANGES.map((range) => ({ chain, spec: ['-d', range, ...REFUSE] }))];
}

/** Dockhand's DNS server for sandboxes, on the gateway (see dns.ts). */
function sandboxDns(chain: string, gateway: string): Rule[] {
  return ['udp', 'tcp'].map((protocol) => ({
    chain,
    spec: ['-d', `${gateway}/32`, '-p', protocol, '-m', protocol, '--dport', String(DNS_PORT), '-j', 'ACCEPT'],
  }));
}

/** The host's IPv4 DNS servers, where Docker's embedded DNS sends what it cannot answer itself. */
export async function hostResolvers(files = ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf']): Promise<string[]> {
  const found = new Set<string>();
  for (const file of files) {
    // A file this host does not have names no resolver.
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const match of text.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)) {
      // Loopback resolvers (systemd-resolved's stub) are not what Docker forwards to.
      if (!(match[1] as string).startsWith('127.')) found.add(match[1] as string);
    }
  }
  return [...found];
}

export async function applyFirewall(plan: SandboxNetwork, resolvers?: readonly string[]): Promise<void> {
  const firewall = firewallFor(plan, resolvers ?? (plan.egress === 'internet' ? await hostResolvers() : []));
  const lines = [
    '*filter',
    // Declaring a chain in a --noflush restore creates it, or empties it if it exists.
    `:${firewall.inputChain} - [0:0]`,
    `:${firewall.forwardChain} - [0:0]`,
    ...firewall.rules.map((rule) => `-A ${rule.chain} ${rule.spec.join(' ')}`),
  ];
  for (const jump of firewall.jumps) {
    const listed = await listRules(jump.chain);
    const line = `-A ${jump.chain} ${jump.spec.join(' ')}`;
    if (listed[0] === line && listed.filter((rule) => rule === line).length === 1) continue;
    // Missing, doubled or pushed down by someone else's rule: put exactly one copy first.
    for (const rule of listed) if (rule === line) lines.push(`-D ${jump.chain} ${jump.spec.join(' ')}`);
    lines.push(`-I ${jump.chain} 1 ${jump.spec.join(' ')}`);
  }
  lines.push('COMMIT', '');
  await iptablesRestore(lines.join('\n'));
}

export async function removeFirewall(plan: SandboxNetwork): Promise<void> {
  const firewall = firewallFor(plan);
  await removeRules(firewall.jumps);
  for (const chain of [firewall.inputChain, firewall.forwardChain]) {
    if (!(await chainExists(chain))) continue;
    await iptables(['-F', chain]);
    await iptables(['-X', chain]);
  }
}

/** The chain's rules as `iptables -S` prints them (`-A CHAIN …`), in order. */
export async function listRules(chain: string): Promise<string[]> {
  return (await iptables(['-S', chain])).split('\n').filter((line) => line.startsWith('-A '));
}

async function removeRules(rules: Rule[]): Promise<void> {
  for (const rule of rules) {
    while (await ruleExists(rule)) await iptables(['-D', rule.chain, ...rule.spec]);
  }
}

async function ruleExists(rule: Rule): Promise<boolean> {
  return (await chainExists(rule.chain)) && (await succeeds(['-C', rule.chain, ...rule.spec]));
}

function chainExists(chain: string): Promise<boolean> {
  return succeeds(['-n', '-L', chain]);
}

/** iptables answers questions (-C, -L) by its exit status alone: a failure is the answer no. */
async function succeeds(args: string[]): Promise<boolean> {
  try {
    await exec('iptables', ['-w', ...args]);
    return true;
  } catch {
    return false;
  }
}

async function iptables(args: string[]): Promise<string> {
  try {
    return (await exec('iptables', ['-w', ...args])).stdout;
  } catch (error) {
    throw firewallError(`iptables ${args.join(' ')}`, error);
  }
}

function iptablesRestore(input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('iptables-restore', ['--wait', '--noflush'], (error) =>
      error ? reject(firewallError('iptables-restore', error)) : resolve(),
    );
    child.stdin?.end(input);
  });
}

function firewallError(command: string, error: unknown): Error {
  const message = (error as { stderr?: string }).stderr?.trim() || String(error);
  return new Error(`${command} failed: ${message}. Dockhand must run as root, with Docker managing iptables, to isolate sandboxes.`);
}
