// Host firewall rules for the sandbox bridge. Docker's own rules already stop sandboxes from reaching
// each other (icc off) and other bridges; two holes remain and are closed here:
//  - traffic to the host itself (the gateway address, the Dockhand API, published host ports) goes to
//    the INPUT chain, which DOCKER-USER never sees: drop everything new from the bridge there;
//  - with icc off, sandboxes could not reach the mirror either: allow exactly that in DOCKER-USER.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SandboxNetwork } from './network.ts';

const exec = promisify(execFile);

type Rule = { chain: string; spec: string[] };

export function firewallRules(plan: SandboxNetwork): Rule[] {
  const port = String(plan.mirrorPort);
  const br = plan.bridge;
  return [
    { chain: 'DOCKER-USER', spec: ['-i', br, '-o', br, '-d', plan.mirrorIp, '-p', 'tcp', '--dport', port, '-j', 'ACCEPT'] },
    { chain: 'DOCKER-USER', spec: ['-i', br, '-o', br, '-s', plan.mirrorIp, '-p', 'tcp', '--sport', port, '-j', 'ACCEPT'] },
    { chain: 'INPUT', spec: ['-i', br, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'] },
    { chain: 'INPUT', spec: ['-i', br, '-j', 'DROP'] },
  ];
}

export async function applyFirewall(plan: SandboxNetwork): Promise<void> {
  // Inserted in reverse so they end up at the top of each chain in the listed order.
  for (const rule of firewallRules(plan).reverse()) {
    if (!(await ruleExists(rule))) await iptables(['-I', rule.chain, ...rule.spec]);
  }
}

export async function removeFirewall(plan: SandboxNetwork): Promise<void> {
  for (const rule of firewallRules(plan)) {
    while (await ruleExists(rule)) await iptables(['-D', rule.chain, ...rule.spec]);
  }
}

async function ruleExists(rule: Rule): Promise<boolean> {
  try {
    await iptables(['-C', rule.chain, ...rule.spec]);
    return true;
  } catch {
    return false;
  }
}

async function iptables(args: string[]): Promise<void> {
  try {
    await exec('iptables', ['-w', ...args]);
  } catch (error) {
    const message = (error as { stderr?: string }).stderr?.trim() || String(error);
    if (args[0] === '-C') throw new Error(message);
    throw new Error(`iptables ${args.join(' ')} failed: ${message}. Dockhand must run as root to isolate sandboxes.`);
  }
}
