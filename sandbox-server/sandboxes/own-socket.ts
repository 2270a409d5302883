// Connects to a unix socket that lives in a directory the learner writes (the inner engine's socket on
// the sandbox's disk), without ever following a path the learner could have changed. A root process
// that connects by path follows symlinks: a learner who replaces docker.sock with a link to the host's
// /var/run/docker.sock, or to another sandbox's socket, would hand the server that engine.
//
// So each component below a root-owned anchor is opened with O_PATH|O_NOFOLLOW (a link is opened as the
// link itself and refused), the socket is checked to be a socket owned by the expected user on the
// anchor's own file system (the sandbox's disk: no other sandbox's or the host's socket can be there,
// as hard links do not cross file systems), and the connection goes to /proc/self/fd/N, which names
// exactly the inode that was checked: swapping the path afterwards changes nothing.
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import net from 'node:net';

/** Linux's O_PATH: an fd that names an inode without opening it (Node does not export the constant). */
const O_PATH = 0o10000000;

export type OwnSocket = {
  /** A directory only root can change (e.g. a mount point the server made). */
  anchor: string;
  /** The path from the anchor to the socket, one name a component; each may be the learner's. */
  components: string[];
  /** The user the socket must belong to (the learner, who runs the inner engine). */
  uid: number;
};

export class OwnSocketError extends Error {
  readonly code = 'not_own_socket';
}

/** A connected socket to exactly the socket described, or an OwnSocketError saying what was wrong. */
export async function connectOwnSocket(target: OwnSocket, timeoutMs: number): Promise<net.Socket> {
  const anchorDevice = (await stat(target.anchor)).dev;
  const handles: FileHandle[] = [];
  try {
    let current = await open(target.anchor, O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    handles.push(current);
    for (const [index, name] of target.components.entries()) {
      if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new OwnSocketError(`"${name}" is not a plain name`);
      const last = index === target.components.length - 1;
      const flags = O_PATH | constants.O_NOFOLLOW | (last ? 0 : constants.O_DIRECTORY);
      current = await open(`/proc/self/fd/${current.fd}/${name}`, flags).catch((error: NodeJS.ErrnoException) => {
        // ENOTDIR: a link (or a file) where a directory should be; ENOENT: not there (yet).
        throw error.code === 'ENOTDIR' || error.code === 'ELOOP' ? new OwnSocketError(`${name} is not a directory`) : error;
      });
      handles.push(current);
    }
    assertOwnSocket(await current.stat(), anchorDevice, target.uid);
    return await connectWithin(`/proc/self/fd/${current.fd}`, timeoutMs);
  } finally {
    // Closing an O_PATH handle only frees a descriptor: the connection (or why there is none) is what counts.
    await Promise.all(handles.map((handle) => handle.close().catch(() => {})));
  }
}

function assertOwnSocket(found: Stats, device: number, uid: number): void {
  if (found.isSymbolicLink()) throw new OwnSocketError('the engine socket is a symbolic link');
  if (!found.isSocket()) throw new OwnSocketError('the engine socket is not a socket');
  if (found.dev !== device) throw new OwnSocketError("the engine socket is not on the sandbox's own disk");
  if (found.uid !== uid) throw new OwnSocketError(`the engine socket belongs to uid ${found.uid}, not ${uid}`);
}

function connectWithin(path: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the engine socket did not accept a connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
