// The site's session controller (site/scripts/session.ts), run in Node against the real server on the
// fake backend. Only the page's globals are stand-ins: a browser's localStorage, its location (the
// server's address) and fetch resolving the page's relative paths against it, window and document as
// plain event targets. The API, the store, the waiting line and the events socket are the real ones.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Session, SessionController, SessionState } from '../../site/scripts/session.ts';
import { fakeBackendHost } from '../support/fake-backend.ts';
import { type FakeDockhand, startFakeDockhand } from '../support/fake-dockhand.ts';

/** One browser's localStorage; a test that plays two learners switches which browser the page globals are. */
class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, String(value));
  removeItem = (key: string) => void this.items.delete(key);
}

const page = {
  storage: new MemoryStorage(),
  location: { href: 'http://127.0.0.1/' },
  window: new EventTarget(),
  document: Object.assign(new EventTarget(), { visibilityState: 'visible' }),
};
const networkFetch = globalThis.fetch;

let site: typeof import('../../site/scripts/session.ts');
let followEvents: typeof import('../../site/scripts/events.ts').followEvents;
let fake: FakeDockhand;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => page.storage.getItem(key),
    setItem: (key: string, value: string) => page.storage.setItem(key, value),
    removeItem: (key: string) => page.storage.removeItem(key),
  });
  vi.stubGlobal('location', page.location);
  vi.stubGlobal('window', page.window);
  vi.stubGlobal('document', page.document);
  // The page's fetch resolves a path against its own address, as a browser does.
  vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) =>
    networkFetch(typeof input === 'string' ? new URL(input, page.location.href) : input, init),
  );
  site = await import('../../site/scripts/session.ts');
  ({ followEvents } = await import('../../site/scripts/events.ts'));
  fake = await startFakeDockhand();
  return () => vi.unstubAllGlobals();
});

afterAll(async () => {
  await fake?.close();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh browser (empty localStorage) on the page of a lesson served by `server`. */
function browser(server: FakeDockhand = fake): MemoryStorage {
  page.storage = new MemoryStorage();
  page.location.href = `${server.dockhand.url}/lessons/own-course/`;
  return page.storage;
}

/** A page of the lesson in the current browser: its controller, and every state it went through. */
function open(): { controller: SessionController; states: SessionState[]; seen(): string[] } {
  const controller = site.createSessionController('own-course');
  const states: SessionState[] = [];
  controller.subscribe((state) => states.push(state));
  // What a learner sees: each state once, the place in line with it (the socket may say the same place twice).
  const seen = () =>
    states
      .map((state) => (state.kind === 'queued' ? `queued ${state.position}` : state.kind))
      .filter((shown, index, all) => shown !== all[index - 1]);
  return { controller, states, seen };
}

function stored(storage: MemoryStorage): { id: string; token: string } | undefined {
  const text = storage.getItem('dockhand.session');
  return text ? (JSON.parse(text) as { id: string; token: string }) : undefined;
}

function activeSession(state: SessionState): Session {
  if (state.kind !== 'active') throw new Error(`the session is ${state.kind}, not active`);
  return state.session;
}

/** A call to the API from outside the page (another learner's client). */
async function asSomeoneElse<T>(server: FakeDockhand, method: string, path: string, token?: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await networkFetch(`${server.dockhand.url}${path}`, { method, headers });
  return (await response.json()) as T;
}

describe("the site's session controller", () => {
  it('claims a sandbox (claiming, then active) and keeps the session in the browser', async () => {
    const storage = browser();
    const { controller, states } = open();
    await controller.resume();
    expect(states.map((state) => state.kind)).toEqual(['none', 'claiming', 'active']);
    const session = activeSession(controller.state);
    expect(stored(storage)).toMatchObject({ id: session.id, token: session.token });
    expect(storage.getItem('dockhand.learner')).toMatch(/"token"/);
    // The server holds it live, on a sandbox of the fake backend.
    const live = fake.dockhand.sessions.live(session.id);
    expect(fake.host.backend.live.has(live?.sandbox.id ?? 'none')).toBe(true);
  });

  it('resumes the stored session after a reload, starting nothing new', async () => {
    const storage = browser();
    await open().controller.resume();
    const first = stored(storage);
    const sandboxes = fake.host.backend.live.size;
    const reloaded = open();
    await reloaded.controller.resume();
    expect(reloaded.states.map((state) => state.kind)).toEqual(['none', 'active']);
    expect(activeSession(reloaded.controller.state).id).toBe(first?.id);
    expect(fake.host.backend.live.size).toBe(sandboxes);
  });

  it('starts a new session when the stored one is unknown to the server (a new state directory)', async () => {
    const storage = browser();
    storage.setItem('dockhand.session', JSON.stringify({ id: 'forgotten-session', token: 'forgotten-token', idleSeconds: 1800 }));
    const { controller, states } = open();
    await controller.resume();
    expect(states.map((state) => state.kind)).toEqual(['none', 'claiming', 'active']);
    const session = activeSession(controller.state);
    expect(session.id).not.toBe('forgotten-session');
    expect(stored(storage)?.id).toBe(session.id);
  });

  it('ends the sandbox keeping the work, and the next sandbox starts on it', async () => {
    browser();
    const { controller } = open();
    await controller.resume();
    const { id } = activeSession(controller.state);
    await controller.end(true);
    expect(controller.state).toEqual({
      kind: 'ended',
      message: 'You ended this sandbox. Your files, images and containers are kept for your next sandbox.',
    });
    expect(fake.host.backend.kept.size).toBeGreaterThan(0);
    await controller.restart();
    expect(controller.state).toMatchObject({ kind: 'active', resumed: true });
    expect(activeSession(controller.state).id).not.toBe(id);
  });

  it('says so when the sandbox was ended from another tab', async () => {
    browser();
    const here = open();
    await here.controller.resume();
    const session = activeSession(here.controller.state);
    const socket = followEvents(session, 'own-course', here.controller, () => {});
    cleanups.push(socket.stop);
    await expect.poll(() => socket.isOpen).toBe(true);
    const otherTab = open();
    await otherTab.controller.resume();
    await otherTab.controller.end(false);
    expect(otherTab.controller.state).toEqual({ kind: 'ended', message: 'You ended this sandbox.' });
    await expect
      .poll(() => here.controller.state)
      .toEqual({ kind: 'ended', message: 'This sandbox was ended from another tab or device.' });
  });

  it('waits in line while the host is full, follows its place, and gets the sandbox when one is free', async () => {
    const full = await startFakeDockhand({ DOCKHAND_MAX_SANDBOXES: '1' });
    cleanups.push(full.close);
    browser(full);
    const first = open();
    await first.controller.resume();
    expect(first.controller.state.kind).toBe('active');
    // Someone else (not a page of this test) waits in line before our learner.
    const ahead = await asSomeoneElse<{ id: string; token: string }>(full, 'POST', '/api/sessions');
    expect(ahead).toMatchObject({ state: 'queued', position: 1 });

    const storage = browser(full);
    const waiting = open();
    const claimed = waiting.controller.resume();
    await expect.poll(() => waiting.controller.state).toEqual({ kind: 'queued', position: 2 });
    expect(stored(storage)).toBeDefined();
    await first.controller.end(false);
    // The one ahead got the sandbox: the events socket says our learner is next, and gets it when that one ends.
    await expect.poll(() => waiting.controller.state).toEqual({ kind: 'queued', position: 1 });
    expect(await asSomeoneElse(full, 'DELETE', `/api/sessions/${ahead.id}`, ahead.token)).toMatchObject({ state: 'ended' });
    await claimed;
    expect(waiting.seen()).toEqual(['none', 'claiming', 'queued 2', 'queued 1', 'active']);
    expect(stored(storage)?.id).toBe(activeSession(waiting.controller.state).id);
  });

  it('says the host cannot start sandboxes, in its own words, instead of failing', async () => {
    const host = fakeBackendHost();
    host.rows = [{ check: 'fake', status: 'problem', blocksSandboxes: true, message: 'The fake host is off.', fix: 'switch it on' }];
    const unfit = await startFakeDockhand({ DOCKHAND_SWEEP_INTERVAL: '100ms' }, host);
    cleanups.push(unfit.close);
    browser(unfit);
    const { controller } = open();
    await controller.resume();
    expect(controller.state.kind).toBe('unavailable');
    expect(controller.state).toMatchObject({ message: expect.stringMatching(/^No sandbox can start .*The fake host is off/) });
    host.rows = [];
    // The page tries again by itself (every 15 s); the learner's "Try again" is the same claim, sooner.
    await expect
      .poll(async () => {
        await controller.restart();
        return controller.state.kind;
      })
      .toBe('active');
  });
});
