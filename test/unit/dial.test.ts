// DinD's dialPort on loopback: only an IP address is dialled (never a name DNS could point elsewhere),
// and a port nothing listens on is refused with the code the preview explains to the learner.
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialAddress } from '../../sandbox-server/sandboxes/dial.ts';

const server = createServer((socket) => socket.end('hello'));
let port = 0;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

describe('dialling a port in a DinD sandbox', () => {
  it('connects to an IP address and hands over the connection', async () => {
    const connection = await dialAddress('127.0.0.1', port);
    const [data] = await once(connection, 'data');
    expect(String(data)).toBe('hello');
    connection.destroy();
  });

  it('refuses a name, even one that resolves to a listening address', async () => {
    await expect(dialAddress('localhost', port)).rejects.toThrow(/IP address, not "localhost"/);
  });

  it('says ECONNREFUSED when nothing listens', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const free = (closed.address() as AddressInfo).port;
    closed.close();
    await expect(dialAddress('127.0.0.1', free)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
