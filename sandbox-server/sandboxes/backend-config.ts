// The sandbox backend's section of the settings: DOCKHAND_BACKEND names the kind, and that kind's own
// module reads the rest (dind-config.ts). The top-level settings see only `kind` and `capacity`.
import { BACKEND_KINDS, type BackendKind } from './backend.ts';
import { type DindConfig, parseDindConfig } from './dind-config.ts';

/** One section per kind of backend; each has its kind and the most sandboxes it can hold at once. */
export type BackendConfig = DindConfig;

/** A setting's value, or (after noting what is wrong with it) a stand-in so the others are still checked (config.ts). */
export type ReadSetting = <T>(parse: () => T, standIn: T) => T;

export function parseBackendConfig(env: NodeJS.ProcessEnv, instance: string, read: ReadSetting): BackendConfig {
  const kind = read(() => parseKind(env.DOCKHAND_BACKEND ?? 'dind'), 'dind');
  switch (kind) {
    case 'dind':
      return parseDindConfig(env, instance, read);
  }
}

function parseKind(text: string): BackendKind {
  const kind = BACKEND_KINDS.find((known) => known === text.trim());
  if (!kind) throw new Error(`DOCKHAND_BACKEND must be ${BACKEND_KINDS.join(', ')} (got "${text}").`);
  return kind;
}
