// The site's reconnecting socket (site/scripts/socket.ts), run in Node against a real `ws` server: the
// page's globals it listens to (window's `online`, document's visibility) are plain event targets here.
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import type { SocketState } from '../../site/scripts/socket.ts';

type Page = { window: EventTarget; document: EventTarget & { visibilityState: string } };
const page: Page = { window: new EventTarget(), document: Object.assign(new EventTarget(), { visibilityState: 'visible' }) };

let openReconnectingSocket: typeof import('../../site/scripts/socket.ts').openReconnectingSocket;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  vi.stubGlobal('window', page.window);
  vi.stubGlobal('document', page.document);
  vi.stubGlobal('location', { href: 'http://127.0.0.1/' });
  ({ openReconnectingSocket } = await import('../../site/scripts/socket.ts'));
  return () => vi.unstubAllGlobals();
});

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server on loopback that answers every message with `echo:` and can drop or ignore its clients. */
async function server() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  let silent = false;
  wss.on('connection', (ws) => ws.on('message', (data) => !silent && ws.send(`echo:${data}`)));
  cleanups.push(() => wss.close());
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    connections: () => wss.clients.size,
    dropAll: () => {
      for (const client of wss.clients) client.terminate();
    },
    silence: () => {
      silent = true;
    },
  };
}

function recorder() {
  const states: { state: SocketState; retryInMs?: number; attempt: number }[] = [];
  const messages: string[] = [];
  return {
    states,
    messages,
    handlers: {
      onState: (state: SocketState, detail: { retryInMs?: number; attempt: number }) => states.push({ state, ...detail }),
      onMessage: (data: string | ArrayBuffer) => messages.push(String(data)),
    },
  };
}

describe('the reconnecting socket', () => {
  it('comes back after a drop, waiting longer after each failed try, and resets once connected', async () => {
    const remote = await server();
    const seen = recorder();
    let urls = 0;
    const socket = openReconnectingSocket(async () => {
      urls += 1;
      // Every second address fails: the API could not issue a ticket.
      if (urls === 2) throw new Error('no ticket');
      return remote.url;
    }, seen.handlers);
    cleanups.push(socket.stop);
    await expect.poll(() => socket.isOpen).toBe(true);
    remote.dropAll();
    await expect.poll(() => seen.states.filter((each) => each.state === 'waiting').length, { timeout: 5000 }).toBe(2);
    await expect.poll(() => socket.isOpen, { timeout: 5000 }).toBe(true);
    const waits = seen.states.filter((each) => each.state === 'waiting').map((each) => each.retryInMs);
    expect(waits).toEqual([500, 1000]);
    expect(seen.states.at(-1)).toEqual({ state: 'open', attempt: 0 });
    expect(urls).toBe(3);
    expect(socket.send('hi')).toBe(true);
    await expect.poll(() => seen.messages).toEqual(['echo:hi']);
  });

  it('retries at once when the browser comes back online, without waiting out the delay', async () => {
    const remote = await server();
    const seen = recorder();
    let failing = true;
    const socket = openReconnectingSocket(async () => {
      if (failing) throw new Error('offline');
      return remote.url;
    }, seen.handlers);
    cleanups.push(socket.stop);
    // Three failures: the next try is 4 s away.
    await expect.poll(() => seen.states.filter((each) => each.state === 'waiting').length, { timeout: 5000 }).toBe(3);
    failing = false;
    const asked = Date.now();
    page.window.dispatchEvent(new Event('online'));
    await expect.poll(() => socket.isOpen).toBe(true);
    expect(Date.now() - asked).toBeLessThan(2000);
  });

  it('replaces a connection that takes a message and never answers (a laptop that changed networks)', async () => {
    const remote = await server();
    const seen = recorder();
    const socket = openReconnectingSocket(async () => remote.url, { ...seen.handlers, stallTimeoutMs: 300 });
    cleanups.push(socket.stop);
    await expect.poll(() => socket.isOpen).toBe(true);
    remote.silence();
    expect(socket.send('anyone?')).toBe(true);
    await expect.poll(() => seen.states.some((each) => each.state === 'waiting'), { timeout: 3000 }).toBe(true);
    await expect.poll(() => socket.isOpen, { timeout: 3000 }).toBe(true);
  });

  it('stops for good when told the session is over, and on stop()', async () => {
    const remote = await server();
    const seen = recorder();
    const socket = openReconnectingSocket(async () => remote.url, { ...seen.handlers, shouldRetry: async () => false });
    await expect.poll(() => socket.isOpen).toBe(true);
    remote.dropAll();
    await expect.poll(() => seen.states.at(-1)?.state).toBe('stopped');
    expect(socket.send('late')).toBe(false);
    expect(seen.states.some((each) => each.state === 'waiting')).toBe(false);
    const other = openReconnectingSocket(async () => remote.url, recorder().handlers);
    await expect.poll(() => other.isOpen).toBe(true);
    other.stop();
    await expect.poll(() => remote.connections()).toBe(0);
    expect(other.isOpen).toBe(false);
  });
});
