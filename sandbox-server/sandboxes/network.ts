// The sandboxes' own bridge: inter-container traffic off, a fixed address for the image mirror, a
// firewall that keeps sandboxes away from the host (see firewall.ts) and, under `mirror` egress, the
// DNS server that answers them on the gateway (see dns.ts).
import type { Config } from '../config.ts';
import type { EgressMode } from './backend.ts';
import { type SandboxResolver, startSandboxResolver } from './dns.ts';
import { type Engine, isNotFound, removeContainer, unlessMissing } from './docker.ts';
import { applyFirewall, removeFirewall } from './firewall.ts';
import { LABEL, labelsFor, resourceName } from './labels.ts';
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
  const existing = await unlessMissing(engine.getNetwork(plan.name).inspect());
  const subnet: string | undefined = existing?.IPAM?.Config?.[0]?.Subnet;
  const current = subnet === plan.subnet.cidr;
  if (existing && !current) await leaveOldSubnet(engine, config, plan, subnet ?? 'another subnet');
  if (!current) {
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

/**
 * The network was made for another subnet (DOCKHAND_SUBNET changed, or its default grew to hold a bigger
 * room): it is made again when nothing but this instance's mirror is on it (the mirror is made again
 * with the new address); learners' sandboxes on it are never stopped for that.
 */
async function leaveOldSubnet(engine: Engine, config: Config, plan: SandboxNetwork, old: string): Promise<void> {
  // Stopped ones too: a learner's sandbox that stopped is started again on this network.
  const attached = await engine.listContainers({ all: true, filters: { network: [plan.name] } });
  const isMirror = (labels: Record<string, string>) => labels[LABEL.role] === 'mirror' && labels[LABEL.instance] === config.instance;
  const others = attached.filter((container) => !isMirror(container.Labels ?? {}));
  if (others.length > 0) {
    throw new Error(
      `the sandbox network ${plan.name} uses ${old}, not ${plan.subnet.cidr}, and ${others.length} sandbox(es) are still on it; set DOCKHAND_SUBNET=${old} until they have ended, then start again without it.`,
    );
  }
  for (const container of attached) await removeContainer(engine, container.Id);
  await engine.getNetwork(plan.name).remove();
}

/** Stops this process's DNS server for the network, leaving the network (a tool that made it is done with it). */
export async function stopResolver(plan: SandboxNetwork): Promise<void> {
  const resolver = resolvers.get(plan.gateway);
  resolvers.delete(plan.gateway);
  // One that failed to start has nothing to close, and its failure was ensureNetwork's to report.
  await resolver?.then((started) => started.close()).catch(() => {});
}

export async function removeNetwork(engine: Engine, plan: SandboxNetwork): Promise<void> {
  await stopResolver(plan);
  await removeFirewall(plan);
  try {
    await engine.getNetwork(plan.name).remove();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
