// DinD's dialPort: a TCP connection to a port published in the sandbox, at the sandbox's address on the
// sandbox network (the inner engine's port driver listens in the outer container).
import { connect, isIP } from 'node:net';
import type { Duplex } from 'node:stream';

/** A sandbox's address answers at once or not at all: a connection still pending after this is given up. */
export const DIAL_TIMEOUT_MS = 10_000;

export function dialAddress(address: string, port: number, timeoutMs = DIAL_TIMEOUT_MS): Promise<Duplex> {
  // Only ever the address the host's engine gave, never a name a learner could influence through DNS.
  if (isIP(address) === 0) return Promise.reject(new Error(`a sandbox's port is dialled at an IP address, not "${address}"`));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    const late = setTimeout(
      () => socket.destroy(Object.assign(new Error(`port ${port} did not accept a connection`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once('connect', () => {
      clearTimeout(late);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(late);
      reject(error);
    });
  });
}
