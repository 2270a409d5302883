// Docker-in-Docker's own section of the settings (config.backend when DOCKHAND_BACKEND is dind): the
// sandbox network's subnet and bridge, and where each sandbox's engine socket lives. Read here, so the
// top-level settings know of a backend only its kind and how many sandboxes it can hold.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseSwitch } from '../switch-setting.ts';
import type { ReadSetting } from './backend-config.ts';
import { parseSubnet, type Subnet, sandboxCapacity } from './subnet.ts';

export type DindConfig = {
  kind: 'dind';
  /** The most sandboxes it can hold at once: the addresses of the sandbox network's upper half. */
  capacity: number;
  /** DOCKHAND_SUBNET: the sandboxes' own bridge network, an IPv4 /16 to /24 whose upper half holds the sandboxes. */
  subnet: Subnet;
  /** DOCKHAND_BRIDGE: the Linux bridge's name (at most 15 characters), unique per instance. */
  bridgeName: string;
  /** DOCKHAND_RUN_DIR: short-lived runtime files such as each sandbox's engine socket (kept short: unix sockets max 107 bytes). */
  runDir: string;
  /** DOCKHAND_APPARMOR: where the host runs AppArmor, confine sandboxes with Dockhand's own profile (on) or leave them unconfined by it (off). */
  apparmor: boolean;
};

/** A /22: 511 sandboxes, so a room of hundreds fits; clear of the test, bench and lesson-test instances' 172.31.214-216.0/24. */
const DEFAULT_SUBNET = '172.31.208.0/22';

export function parseDindConfig(env: NodeJS.ProcessEnv, instance: string, read: ReadSetting): DindConfig {
  const subnet = read(() => parseSubnetSetting(env.DOCKHAND_SUBNET ?? DEFAULT_SUBNET), parseSubnet(DEFAULT_SUBNET) as Subnet);
  return {
    kind: 'dind',
    capacity: sandboxCapacity(subnet),
    subnet,
    bridgeName: read(() => parseBridge(env.DOCKHAND_BRIDGE ?? bridgeFor(instance)), 'dockhand'),
    runDir: path.resolve(env.DOCKHAND_RUN_DIR ?? defaultRunDir(instance)),
    apparmor: read(() => parseSwitch(env.DOCKHAND_APPARMOR ?? 'on', 'DOCKHAND_APPARMOR'), true),
  };
}

function parseSubnetSetting(text: string): Subnet {
  const parsed = parseSubnet(text);
  if (!parsed) {
    throw new Error(`DOCKHAND_SUBNET must be an IPv4 network from /16 to /24 such as 172.31.208.0/22 or 10.77.0.0/16 (got "${text}").`);
  }
  return parsed;
}

function defaultRunDir(instance: string): string {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? `/run/dockhand/${instance}` : path.join('/tmp', `dockhand-${process.getuid?.() ?? 0}`, instance);
}

/** Linux cuts bridge names at 15 characters: a long instance name gets a short name with a hash of it. */
export function bridgeFor(instance: string): string {
  const readable = `dockhand-${instance}`;
  if (readable.length <= 15) return readable;
  return `dh-${instance.slice(0, 5)}-${createHash('sha256').update(instance).digest('hex').slice(0, 6)}`;
}

function parseBridge(text: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(text)) {
    throw new Error(`DOCKHAND_BRIDGE must be 1-15 letters, digits, dots, dashes or underscores (got "${text}").`);
  }
  return text;
}
