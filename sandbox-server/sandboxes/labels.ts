// Every container, network and volume Dockhand creates carries these labels, so a restarted server can
// find what it made, and tests can remove exactly what they made.
export const LABEL = {
  managed: 'dockhand.managed',
  instance: 'dockhand.instance',
  role: 'dockhand.role',
  sandbox: 'dockhand.sandbox',
  recipe: 'dockhand.recipe',
} as const;

export type Role = 'sandbox' | 'mirror' | 'mirror-fill' | 'network';

export function labelsFor(instance: string, role: Role, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.instance]: instance, [LABEL.role]: role, ...extra };
}

/** A Docker list filter matching what one Dockhand instance made (optionally of one role). */
export function labelFilter(instance: string, role?: Role): { label: string[] } {
  const label = [`${LABEL.managed}=true`, `${LABEL.instance}=${instance}`];
  if (role) label.push(`${LABEL.role}=${role}`);
  return { label };
}

/** Names are derived from the instance so two Dockhands on one engine never collide. */
export function resourceName(instance: string, ...parts: string[]): string {
  return ['dockhand', instance, ...parts].join('-');
}
