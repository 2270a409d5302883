// IPv4 subnets for the sandbox network: /16 to /24. The gateway and the mirror take the first two
// addresses; sandboxes get the upper half, so fixed low addresses never collide with them.

export type Subnet = { cidr: string; base: number; prefix: number };

export const MIN_PREFIX = 16;
export const MAX_PREFIX = 24;

/** Parses "a.b.c.d/n"; undefined unless it is a network address with n from 16 to 24. */
export function parseSubnet(text: string): Subnet | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix < MIN_PREFIX || prefix > MAX_PREFIX) return undefined;
  const base = octets.reduce((value, octet) => value * 256 + octet, 0);
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { cidr: `${formatAddress(base)}/${prefix}`, base, prefix };
}

export function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The n-th address of the subnet (1 is the gateway). */
export function addressAt(subnet: Subnet, n: number): string {
  return formatAddress(subnet.base + n);
}

/** The upper half of the subnet, from which Docker hands sandboxes their addresses. */
export function sandboxRange(subnet: Subnet): string {
  return `${formatAddress(subnet.base + 2 ** (31 - subnet.prefix))}/${subnet.prefix + 1}`;
}

/** How many sandboxes the subnet holds: the upper half, less its broadcast address. */
export function sandboxCapacity(subnet: Subnet): number {
  return 2 ** (31 - subnet.prefix) - 1;
}
