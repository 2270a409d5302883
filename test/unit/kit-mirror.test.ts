import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../sandbox-server/config.ts';
import { MIRROR_ALIAS, mirrorSpec } from '../../sandbox-server/sandboxes/kit/mirror.ts';
import { LABEL } from '../../sandbox-server/sandboxes/labels.ts';
import { networkPlan } from '../../sandbox-server/sandboxes/network.ts';

const config = loadConfig({ DOCKHAND_INSTANCE: 'unit', DOCKHAND_SUBNET: '172.31.240.0/24', DOCKHAND_STATE_DIR: '/tmp/dockhand-unit' });
const plan = networkPlan(config);

describe('the mirror container', () => {
  it('offline: serves the kit read-only from its data volume, at its fixed address and as "mirror"', () => {
    const spec = mirrorSpec(config, plan, 'sha256:registry', false);
    expect(spec.Image).toBe('sha256:registry');
    expect(spec.Env).toEqual(['REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled":true}']);
    expect(spec.HostConfig?.Binds).toEqual(['dockhand-unit-mirror-data:/var/lib/registry']);
    expect(spec.NetworkingConfig?.EndpointsConfig?.[plan.name]).toEqual({
      IPAMConfig: { IPv4Address: '172.31.240.2' },
      Aliases: [MIRROR_ALIAS],
    });
  });

  it("online: Docker Hub's pull-through cache, in a volume of its own, on the same address", () => {
    const spec = mirrorSpec(config, plan, 'sha256:registry', true);
    expect(spec.Env).toEqual(['REGISTRY_PROXY_REMOTEURL=https://registry-1.docker.io']);
    expect(spec.HostConfig?.Binds).toEqual(['dockhand-unit-mirror-cache:/var/lib/registry']);
    expect(spec.NetworkingConfig?.EndpointsConfig?.[plan.name]?.IPAMConfig?.IPv4Address).toBe('172.31.240.2');
  });

  it('labels each variant differently, so going online (or a new registry image) recreates it', () => {
    const label = (registry: string, online: boolean) => mirrorSpec(config, plan, registry, online).Labels?.[LABEL.recipe];
    expect(label('sha256:a', false)).toBe(label('sha256:a', false));
    expect(label('sha256:a', true)).not.toBe(label('sha256:a', false));
    expect(label('sha256:b', false)).not.toBe(label('sha256:a', false));
  });
});
