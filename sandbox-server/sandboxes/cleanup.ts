// Removes every container, disk, volume and network a Dockhand instance made, found by its labels and
// its state folders.
import { rm } from 'node:fs/promises';
import type { Config } from '../config.ts';
import { deleteKeptDisk, keptDiskFile, keptDisksDir, listDiskIds, listKeptDisks } from './disk.ts';
import { type Engine, removeContainer, removeVolume } from './docker.ts';
import { sandboxDirs, teardownSandboxHost } from './host.ts';
import { LABEL, labelFilter } from './labels.ts';
import { describeSandbox, destroySandbox } from './sandbox.ts';

/** Destroys every sandbox of the instance, with its disk, whether or not its container still exists. */
export async function reapSandboxes(engine: Engine, config: Config): Promise<void> {
  const containers = await engine.listContainers({ all: true, filters: labelFilter(config.instance, 'sandbox') });
  const ids = new Set([
    ...containers.map((c) => c.Labels[LABEL.sandbox]).filter((id): id is string => Boolean(id)),
    ...(await listDiskIds(sandboxDirs(config))),
  ]);
  for (const id of ids) await destroySandbox(engine, describeSandbox(sandboxDirs(config), id));
}

/** Deletes the disks this instance kept (only its own: another instance's are in another folder). */
export async function forgetKeptDisks(config: Config): Promise<void> {
  const dir = keptDisksDir(sandboxDirs(config), config.instance);
  for (const disk of await listKeptDisks(dir)) await deleteKeptDisk(keptDiskFile(dir, disk.key));
}

export async function removeEverything(engine: Engine, config: Config): Promise<void> {
  await reapSandboxes(engine, config);
  await forgetKeptDisks(config);
  const filters = labelFilter(config.instance);
  for (const container of await engine.listContainers({ all: true, filters })) await removeContainer(engine, container.Id);
  await teardownSandboxHost(engine, config);
  const { Volumes } = await engine.listVolumes({ filters });
  for (const volume of Volumes ?? []) await removeVolume(engine, volume.Name);
  // Only empty folders can be left here once every sandbox is destroyed.
  await rm(config.backend.runDir, { recursive: true, force: true });
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
    ...(await listDiskIds(sandboxDirs(config))).map((id) => `sandbox disk ${id}`),
    ...(await listKeptDisks(keptDisksDir(sandboxDirs(config), config.instance))).map((disk) => `kept disk ${disk.key}`),
  ];
}
