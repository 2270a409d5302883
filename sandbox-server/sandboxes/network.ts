// The sandboxes' own bridge: inter-container traffic off, a fixed address for the image mirror, and a
// firewall that keeps sandboxes away from the host (see firewall.ts).
import type { Config } from '../config.ts';
import { type Engine, isNotFound } from './docker.ts';
import { applyFirewall, removeFirewall } from './firewall.ts';
import { labelsFor, resourceName } from './labels.ts';

export type SandboxNetwork = {
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  /** The mirror registry's fixed address on this network. */
  mirrorIp: string;
  mirrorPort: number;
};

export function networkPlan(config: Config): SandboxNetwork {
  const prefix = config.subnet.replace(/\.0\/24$/, '');
  return {
    name: resourceName(config.instance, 'sandboxes'),
    bridge: config.bridgeName,
    subnet: config.subnet,
    gateway: `${prefix}.1`,
    mirrorIp: `${prefix}.2`,
    mirrorPort: 5000,
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
        IPAM: { Config: [{ Subnet: plan.subnet, Gateway: plan.gateway, IPRange: rangeAfterMirror(plan) }] },
        Options: {
          'com.docker.network.bridge.name': plan.bridge,
          'com.docker.network.bridge.enable_icc': 'false',
        },
      })
      .catch((createError: Error) => {
        throw new Error(`cannot create the sandbox network ${plan.subnet}: ${createError.message}. Pick a free /24 with DOCKHAND_SUBNET.`);
      });
  }
  await applyFirewall(plan);
}

export async function removeNetwork(engine: Engine, plan: SandboxNetwork): Promise<void> {
  await removeFirewall(plan);
  try {
    await engine.getNetwork(plan.name).remove();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Sandboxes get addresses from .128 up, so fixed low addresses (the mirror) never collide with them. */
function rangeAfterMirror(plan: SandboxNetwork): string {
  return plan.subnet.replace(/\.0\/24$/, '.128/25');
}
