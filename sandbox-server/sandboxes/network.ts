// The sandboxes' own bridge: inter-container traffic off, a fixed address for the image mirror, a
// firewall that keeps sandboxes away from the host (see firewall.ts) and, under `mirror` egress, the
// DNS server that answers them on the gateway (see dns.ts).
import type { Config } from '../config.ts';
import type { EgressMode } from './backend.ts';
import { type SandboxResolver, startSandboxResolver } from './dns.ts';
import { type Engine, isNotFound } from './docker.ts';
import { applyFirewall, removeFirewall } from './firewall.ts';
import { labelsFor, resourceName } from './labels.ts';
import { addressAt, type Subnet, sandboxRange } from './subnet.ts';

export type SandboxNetwork = {
  name: string;
  bridge: string;
  subnet: Subnet;
  gateway: string;
  /** The mirror registry's fixed address on this network. */
  mirrorIp: string;
  mirrorPort: number;
  /** What sandboxes may reach beyond the mirror (see firewall.ts). */
  egress: EgressMode;
};

/** This process's DNS servers, by gateway address: one per sandbox network, however often it is ensured. */
const resolvers = new Map<string, Promise<SandboxResolver>>();

export function networkPlan(config: Config): SandboxNetwork {
  const { subnet, bridgeName } = config.backend;
  return {
    name: resourceName(config.instance, 'sandboxes'),
    bridge: bridgeName,
    subnet,
    gateway: addressAt(subnet, 1),
    mirrorIp: addressAt(subnet, 2),
    mirrorPort: 5000,
    egress: config.egress,
  };
}

export async function ensureNetwork(engine: Engine, config: Config, plan: SandboxNetwork): Promise<void> {
  try {
    await engine.getNetwork(plan.name).inspect();
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await engine
      .createNetwork({
        Name: plan.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: labelsFor(config.instance, 'network'),
        IPAM: { Config: [{ Subnet: plan.subnet.cidr, Gateway: plan.gateway, IPRange: sandboxRange(plan.subnet) }] },
        Options: {
          'com.docker.network.bridge.name': plan.bridge,
          'com.docker.network.bridge.enable_icc': 'false',
        },
      })
      .catch((createError: Error) => {
        throw new Error(
          `cannot create the sandbox network ${plan.subnet.cidr} on bridge ${plan.bridge}: ${createError.message}. Pick a free subnet (/16 to /24) with DOCKHAND_SUBNET.`,
        );
      });
  }
  await applyFirewall(plan);
  if (plan.egress === 'mirror' && !resolvers.has(plan.gateway)) {
    const started = startSandboxResolver(plan.gateway);
    resolvers.set(plan.gateway, started);
    await started.catch((error: Error) => {
      resolvers.delete(plan.gateway);
      throw error;
    });
  }
}

export async function removeNetwork(engine: Engine, plan: SandboxNetwork): Promise<void> {
  const resolver = resolvers.get(plan.gateway);
  resolvers.delete(plan.gateway);
  // One that failed to start has nothing to close, and its failure was ensureNetwork's to report.
  await resolver?.then((started) => started.close()).catch(() => {});
  await removeFirewall(plan);
  try {
    await engine.getNetwork(plan.name).remove();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
