// Each sandbox's disk: a sparse ext4 file, loop-mounted on the host, whose subdirectories the sandbox
// gets as the learner's home (which holds the inner engine's data) and as the inner engine's socket
// directory. Its size caps everything the learner can store that is not RAM, and it keeps learners off
// the host's /run and Docker's volume store. Every path derives from the sandbox id, so a restarted
// server can find and remove a disk it did not create. A disk can outlive its sandbox: kept under a key
// (a learner), in a folder of its own that restarts and reaping leave alone, until a sandbox resumes on it.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KeptDisk } from './backend.ts';
import { type Engine, removeContainer } from './docker.ts';
import { labelsFor } from './labels.ts';

const exec = promisify(execFile);

export type DiskDirs = {
  /** Durable directory for the image files: the host's /run is RAM on most systems. */
  stateDir: string;
  /** Short directory for the mount points: the engine socket lives below them (107-byte limit). */
  runDir: string;
};

export type SandboxDisk = {
  file: string;
  mountDir: string;
  /** Bound to the learner's home in the sandbox. */
  homeDir: string;
  /** Bound to the learner's XDG_RUNTIME_DIR: the inner engine's socket directory. */
  runDir: string;
};

const DISK_SUFFIX = '.ext4';
/** How long a busy mount may take to let go before it is detached lazily. */
const UNMOUNT_PATIENCE_MS = 3_000;

export function describeDisk(dirs: DiskDirs, id: string): SandboxDisk {
  const mountDir = path.join(dirs.runDir, 'sandboxes', id);
  return {
    file: path.join(dirs.stateDir, 'sandboxes', `${id}${DISK_SUFFIX}`),
    mountDir,
    homeDir: path.join(mountDir, 'home'),
    runDir: path.join(mountDir, 'run'),
  };
}

/** Ids of every disk that exists as a file or a mount point, e.g. to reap what a crash left behind. */
export async function listDiskIds(dirs: DiskDirs): Promise<string[]> {
  const files = await entries(path.join(dirs.stateDir, 'sandboxes'));
  const mounts = await entries(path.join(dirs.runDir, 'sandboxes'));
  const ids = files.filter((name) => name.endsWith(DISK_SUFFIX)).map((name) => name.slice(0, -DISK_SUFFIX.length));
  return [...new Set([...ids, ...mounts])].sort();
}

/**
 * Creates, formats and mounts the disk. The file system is filled from `seedDir` while it is made
 * (`mkfs.ext4 -d`), so no copy is needed; it has no journal (a sandbox never outlives a host crash)
 * and no blocks reserved for root, so the learner gets all of `sizeBytes`. Never touches a disk that
 * already exists; removes what it made if a later step fails.
 */
export async function createDisk(disk: SandboxDisk, sizeBytes: number, seedDir: string): Promise<void> {
  await mkdir(path.dirname(disk.file), { recursive: true, mode: 0o700 });
  const file = await open(disk.file, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' ? new Error(`the sandbox disk ${disk.file} already exists; start the sandbox with a new id.`) : error;
  });
  try {
    await file.truncate(sizeBytes).finally(() => file.close());
    await run('mkfs.ext4', ['-q', '-O', '^has_journal', '-m', '0', '-E', 'lazy_itable_init=1,root_owner=0:0', '-d', seedDir, disk.file]);
    await mountDisk(disk);
  } catch (error) {
    await removeDisk(disk);
    throw error;
  }
}

/**
 * Moves a kept disk (`keptFile`) to the sandbox's place and mounts it, as it was but for its socket
 * directory, which is emptied: the last engine's pid file, sockets and RootlessKit state belong to a
 * sandbox that is gone. Gives the date it was kept, or undefined when nothing is kept there (any
 * more). If a step fails the disk goes back where it was kept.
 */
export async function resumeDisk(disk: SandboxDisk, keptFile: string): Promise<Date | undefined> {
  await mkdir(path.dirname(disk.file), { recursive: true, mode: 0o700 });
  const kept = await keptDiskAt(keptFile);
  if (!kept) return undefined;
  const keptAt = new Date(kept.keptAt);
  try {
    // The rename claims it: a second start on the same key finds nothing, a sweep cannot delete it now.
    await rename(keptFile, disk.file);
  } catch (error) {
    ignoreMissing(error);
    return undefined;
  }
  try {
    if ((await loopDevicesOf(disk.file)).length > 0) throw new Error(`the kept disk ${keptFile} is still attached to a loop device`);
    await repairFileSystem(disk.file);
    await mountDisk(disk);
    for (const name of await entries(disk.runDir)) await rm(path.join(disk.runDir, name), { recursive: true, force: true });
  } catch (error) {
    // Back as it was, with its date: a disk that cannot resume does not live longer for trying.
    await keepDisk(disk, keptFile, keptAt);
    throw error;
  }
  return keptAt;
}

/**
 * Mounts a sandbox's own disk again where a host reboot unmounted it (/run is RAM): repaired, with its
 * socket directory emptied, as a resumed disk is. Mounted already is fine; false when its file is gone.
 */
export async function remountDisk(disk: SandboxDisk): Promise<boolean> {
  if (!(await exists(disk.file))) return false;
  if (await isMounted(disk.mountDir)) return true;
  await detachLoopDevices(disk.file);
  await repairFileSystem(disk.file);
  await mountDisk(disk);
  for (const name of await entries(disk.runDir)) await rm(path.join(disk.runDir, name), { recursive: true, force: true });
  return true;
}

/** Whether the sandbox's disk file is still there (its learner's work can be kept). */
export async function diskExists(disk: SandboxDisk): Promise<boolean> {
  return exists(disk.file);
}

async function mountDisk(disk: SandboxDisk): Promise<void> {
  await mkdir(disk.mountDir, { recursive: true, mode: 0o700 });
  // noinit_itable: the sparse file already reads as zeros, so the kernel need not zero inode tables.
  // nosuid, nodev: the learner writes this file system; nothing on it may raise privileges, here or in
  // the sandbox (a bind mount keeps these flags). Inner containers' setuid programs still work: they run
  // from the inner engine's overlay mounts, whose own flags count.
  await run('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev,noinit_itable', disk.file, disk.mountDir]);
}

/** Unmounts, detaches and deletes the disk. Safe on a half-made disk and when called twice. */
export async function removeDisk(disk: SandboxDisk): Promise<void> {
  await releaseDisk(disk);
  await rm(disk.file, { force: true });
}

/**
 * Unmounts and detaches the disk, then moves its file to `keptFile` (replacing a disk kept there
 * before), dated now. A disk already gone (destroyed twice) leaves what is kept there alone.
 */
export async function keepDisk(disk: SandboxDisk, keptFile: string, keptAt = new Date()): Promise<void> {
  await releaseDisk(disk);
  if (!(await exists(disk.file))) return;
  await waitDetached(disk.file);
  await mkdir(path.dirname(keptFile), { recursive: true, mode: 0o700 });
  await rename(disk.file, keptFile);
  await utimes(keptFile, keptAt, keptAt);
}

/**
 * The file system has no journal: one kept from a sandbox that did not end cleanly is repaired before
 * use. e2fsck -p exits 1 or 2 when it fixed something, 4 and up when it could not.
 */
async function repairFileSystem(file: string): Promise<void> {
  try {
    await exec('e2fsck', ['-p', file]);
  } catch (error) {
    const { code, stderr } = error as { code?: number; stderr?: string };
    if (code === 1 || code === 2) return;
    throw new Error(`the kept disk ${file} has a damaged file system that e2fsck could not repair: ${stderr?.trim() || String(error)}`);
  }
}

async function releaseDisk(disk: SandboxDisk): Promise<void> {
  await unmount(disk.mountDir);
  await detachLoopDevices(disk.file);
  // Only once nothing is mounted there, or this would delete a live disk's contents.
  if ((await mountsUnder(disk.mountDir)).length > 0) {
    throw new Error(`something is still mounted under ${disk.mountDir}; unmount it, then destroy the sandbox again.`);
  }
  await rm(disk.mountDir, { recursive: true, force: true });
}

/** Where one instance keeps disks: beside the sandboxes' disks (one file system, so keeping is a rename). */
export function keptDisksDir(dirs: DiskDirs, instance: string): string {
  return path.join(dirs.stateDir, 'sandboxes', 'kept', instance);
}

export function keptDiskFile(keptDir: string, key: string): string {
  return path.join(keptDir, `${key}${DISK_SUFFIX}`);
}

/** The disk kept in a file, dated by the file's time and measured by the blocks it really uses (it is sparse). */
export async function keptDiskAt(file: string): Promise<KeptDisk | undefined> {
  try {
    const info = await stat(file);
    return { key: path.basename(file, DISK_SUFFIX), keptAt: Math.floor(info.mtimeMs), bytes: info.blocks * 512 };
  } catch (error) {
    ignoreMissing(error);
    return undefined;
  }
}

/** A kept disk is a file and nothing else: not mounted, not attached. Nothing there is success. */
export async function deleteKeptDisk(file: string): Promise<void> {
  await rm(file, { force: true });
}

export async function listKeptDisks(keptDir: string): Promise<KeptDisk[]> {
  const names = (await entries(keptDir)).filter((name) => name.endsWith(DISK_SUFFIX));
  const disks = await Promise.all(names.map((name) => keptDiskAt(path.join(keptDir, name))));
  return disks.filter((disk): disk is KeptDisk => disk !== undefined);
}

/** Loop devices currently backed by the file (normally none, or the one it is mounted from). */
export async function loopDevicesOf(file: string): Promise<string[]> {
  const { stdout } = await run('losetup', ['--list', '--noheadings', '--output', 'NAME', '--associated', file]);
  return stdout.split('\n').filter(Boolean);
}

export async function isMounted(dir: string): Promise<boolean> {
  return (await mountPoints()).includes(dir);
}

async function mountsUnder(dir: string): Promise<string[]> {
  return (await mountPoints()).filter((point) => point === dir || point.startsWith(`${dir}/`));
}

async function mountPoints(): Promise<string[]> {
  const mountInfo = await readFile('/proc/self/mountinfo', 'utf8');
  // Field 5 is the mount point, with spaces and the like written as octal escapes.
  return mountInfo
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''));
}

/** Where a fresh disk's contents come from: a home directory in an image, and who owns it. */
export type DiskSource = { image: string; home: string; uid: number };

const seedsInProgress = new Map<string, Promise<void>>();

/**
 * A directory laid out like a fresh disk: `home/` is the image's home directory (dotfiles, workspace,
 * the engine's empty data directory), `run/` the empty socket directory. Made once per image id.
 */
export async function diskSeed(host: Engine, instance: string, stateDir: string, source: DiskSource): Promise<string> {
  const imageId = (await host.getImage(source.image).inspect()).Id.replace(/^sha256:/, '');
  const seedDir = path.join(stateDir, 'sandboxes', `seed-${imageId.slice(0, 16)}`);
  if (await exists(seedDir)) return seedDir;
  const pending = seedsInProgress.get(seedDir) ?? makeSeed(host, instance, seedDir, source);
  seedsInProgress.set(seedDir, pending);
  try {
    await pending;
  } finally {
    seedsInProgress.delete(seedDir);
  }
  return seedDir;
}

async function makeSeed(host: Engine, instance: string, seedDir: string, source: DiskSource): Promise<void> {
  const partial = `${seedDir}.${randomBytes(4).toString('hex')}.partial`;
  const container = await host.createContainer({ Image: source.image, Labels: labelsFor(instance, 'sandbox') });
  try {
    await mkdir(path.join(partial, 'run'), { recursive: true, mode: 0o700 });
    await chown(path.join(partial, 'run'), source.uid, source.uid);
    await extractTar(await container.getArchive({ path: source.home }), partial);
    await rename(path.join(partial, path.basename(source.home)), path.join(partial, 'home'));
    await rename(partial, seedDir).catch((error: NodeJS.ErrnoException) => {
      // Another Dockhand sharing this state directory made it first.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
    await removeContainer(host, container.id);
  }
  // Seeds of earlier builds of the image are of no more use.
  const seedsDir = path.dirname(seedDir);
  for (const name of await entries(seedsDir)) {
    if (name.startsWith('seed-') && !name.endsWith('.partial') && name !== path.basename(seedDir)) {
      await rm(path.join(seedsDir, name), { recursive: true, force: true });
    }
  }
}

function extractTar(archive: NodeJS.ReadableStream, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // --numeric-owner: the learner is uid 1000 whatever that uid is called on the host.
    const tar = spawn('tar', ['-x', '--numeric-owner', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    const stderr: Buffer[] = [];
    tar.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed: ${Buffer.concat(stderr).toString().trim()}`))));
    archive.on('error', reject);
    archive.pipe(tar.stdin);
  });
}

async function unmount(dir: string): Promise<void> {
  const deadline = Date.now() + UNMOUNT_PATIENCE_MS;
  while (await isMounted(dir)) {
    try {
      await run('umount', [dir]);
    } catch (error) {
      if (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      // Still busy: detach it now; the kernel frees the loop device (autoclear) once the last user lets go.
      await run('umount', ['--lazy', dir]).catch(() => {
        throw error;
      });
    }
  }
}

async function detachLoopDevices(file: string): Promise<void> {
  if (!(await exists(file))) return;
  for (const device of await loopDevicesOf(file)) {
    // A device that clears itself (a lazy unmount's) may let go between the listing and the detach.
    await run('losetup', ['--detach', device]).catch(async (error: Error) => {
      if ((await loopDevicesOf(file)).includes(device)) throw error;
    });
  }
}

/** A lazily unmounted disk lets go of its loop device only when its last user does; kept, it must have. */
async function waitDetached(file: string): Promise<void> {
  const deadline = Date.now() + UNMOUNT_PATIENCE_MS;
  while ((await loopDevicesOf(file)).length > 0) {
    if (Date.now() > deadline) throw new Error(`the disk ${file} is still in use, so it cannot be kept; destroy the sandbox again later.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function run(command: string, args: string[]): Promise<{ stdout: string }> {
  try {
    return await exec(command, args);
  } catch (error) {
    const message = (error as { stderr?: string }).stderr?.trim() || String(error);
    const hint = process.getuid?.() === 0 ? '' : ' Dockhand must run as root to give sandboxes their disks.';
    throw new Error(`${command} ${args.join(' ')} failed: ${message}.${hint}`);
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    ignoreMissing(error);
    return [];
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    ignoreMissing(error);
    return false;
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
