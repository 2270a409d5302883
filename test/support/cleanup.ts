// Removes every container, volume and network a Dockhand instance made, found by its labels.
import type { Config } from '../../sandbox-server/config.ts';
import { type Engine, removeContainer, removeVolume } from '../../sandbox-server/sandboxes/docker.ts';
import { teardownSandboxHost } from '../../sandbox-server/sandboxes/host.ts';
import { labelFilter } from '../../sandbox-server/sandboxes/labels.ts';

export async function removeEverything(engine: Engine, config: Config): Promise<void> {
  const filters = labelFilter(config.instance);
  for (const container of await engine.listContainers({ all: true, filters })) await removeContainer(engine, container.Id);
  await teardownSandboxHost(engine, config);
  const { Volumes } = await engine.listVolumes({ filters });
  for (const volume of Volumes ?? []) await removeVolume(engine, volume.Name);
}

export async function leftovers(engine: Engine, config: Config): Promise<string[]> {
  const filters = labelFilter(config.instance);
  const containers = await engine.listContainers({ all: true, filters });
  const { Volumes } = await engine.listVolumes({ filters });
  const networks = await engine.listNetworks({ filters });
  return [
    ...containers.map((c) => `container ${c.Names.join(',')}`),
    ...(Volumes ?? []).map((v) => `volume ${v.Name}`),
    ...networks.map((n) => `network ${n.Name}`),
  ];
}
