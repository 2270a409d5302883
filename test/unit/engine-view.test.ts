import { afterEach, describe, expect, it, vi } from 'vitest';
import { assembleSnapshot, layersOf, type RawEngine } from '../../sandbox-server/engine-view/snapshot.ts';
import { createEngineViews } from '../../sandbox-server/engine-view/views.ts';
import { SNAPSHOT_ITEMS_MAX, SNAPSHOT_STACKS_MAX } from '../../sandbox-server/protocol/engine.ts';
import type { SessionEvent } from '../../sandbox-server/protocol/events.ts';
import {
  ContainerSummary,
  ImageSummary,
  type InnerEngine,
  InnerEngineError,
  NetworkSummary,
  VolumeSummary,
} from '../../sandbox-server/sandboxes/inner-engine.ts';
import { createEventBus } from '../../sandbox-server/sessions/events.ts';
import { fakeBackend } from '../support/fake-backend.ts';

const BASE = ['sha256:base'];
const busyboxHistory = [
  { createdBy: '/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / ', size: 4_300_000 },
  { createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', size: 0 },
];
const appHistory = [
  ...busyboxHistory,
  { createdBy: 'WORKDIR /app', size: 0 },
  { createdBy: 'COPY app.sh . # buildkit', size: 120 },
  // A RUN that changed nothing still makes a layer, of size 0.
  { createdBy: 'RUN /bin/sh -c true # buildkit', size: 0 },
  { createdBy: 'CMD ["./app.sh"]', size: 0 },
];

function raw(parts: Partial<RawEngine>): RawEngine {
  return { containers: [], images: [], volumes: [], networks: [], ...parts };
}

const image = (id: string, tags: string[] | null, diffIds: string[], history = busyboxHistory) => ({
  image: ImageSummary.parse({ Id: id, RepoTags: tags, Size: 4_300_000 }),
  stack: { diffIds, history },
});

describe('the engine snapshot', () => {
  it('keys layers by their chain, so images built on one base share exactly the layers below them', () => {
    const base = layersOf({ diffIds: BASE, history: busyboxHistory });
    const app = layersOf({ diffIds: [...BASE, 'sha256:copy', 'sha256:run'], history: appHistory });
    const other = layersOf({ diffIds: ['sha256:other', 'sha256:copy'], history: [] });
    expect(app[0]?.key).toBe(base[0]?.key);
    expect(app[1]?.key).not.toBe(other[1]?.key);
    expect(app.map((layer) => [layer.createdBy, layer.size])).toEqual([
      ['ADD file:0123456789ab… in /', 4_300_000],
      ['COPY app.sh .', 120],
      ['RUN true', 0],
    ]);
    // History that cannot be matched to the layers gives no step texts rather than wrong ones.
    expect(other.map((layer) => [layer.createdBy, layer.size])).toEqual([
      ['', null],
      ['', null],
    ]);
  });

  it('lists containers with their ports once, and who mounts which volume and is on which network', () => {
    const snapshot = assembleSnapshot(
      raw({
        containers: ContainerSummary.array().parse([
          {
            Id: 'c1',
            Names: ['/web'],
            Image: 'nginx',
            ImageID: 'sha256:n',
            State: 'running',
            Status: 'Up 2 seconds',
            Ports: [
              { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
              { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
              { IP: '', PrivatePort: 443, Type: 'tcp' },
            ],
            Mounts: [
              { Type: 'volume', Name: 'data', Source: '', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
              { Type: 'bind', Source: '/home/learner/workspace', Destination: '/src', Mode: '', RW: true, Propagation: '' },
            ],
            NetworkSettings: { Networks: { appnet: {}, bridge: {} } },
          },
          {
            Id: 'c2',
            Names: ['/job'],
            Image: 'busybox',
            ImageID: 'sha256:b',
            State: 'exited',
            Status: 'Exited (0)',
            Ports: [],
            Mounts: [],
          },
        ]),
        volumes: VolumeSummary.array().parse([
          { Name: 'data', Driver: 'local' },
          { Name: 'spare', Driver: 'local' },
        ]),
        networks: NetworkSummary.array().parse([
          { Name: 'bridge', Driver: 'bridge' },
          { Name: 'appnet', Driver: 'bridge' },
        ]),
        images: [
          image('sha256:b', ['busybox:latest', 'mybox:v1'], BASE),
          image('sha256:d', ['<none>:<none>'], BASE),
          image('sha256:e', null, [], []),
        ],
      }),
    );
    expect(snapshot.containers.map((container) => container.name)).toEqual(['job', 'web']);
    expect(snapshot.containers[1]).toMatchObject({
      ports: [
        { container: 80, host: 8080, protocol: 'tcp' },
        { container: 443, host: null, protocol: 'tcp' },
      ],
      volumes: ['data'],
      networks: ['appnet', 'bridge'],
    });
    expect(snapshot.volumes).toEqual([
      { name: 'data', driver: 'local', mountedBy: ['web'] },
      { name: 'spare', driver: 'local', mountedBy: [] },
    ]);
    expect(snapshot.networks.map((network) => [network.name, network.containers])).toEqual([
      ['appnet', ['web']],
      ['bridge', ['web']],
    ]);
    // Tagged images first; two tags of one image are one entry; dangling images have no tags.
    expect(snapshot.images.map((entry) => [entry.id, entry.tags])).toEqual([
      ['sha256:b', ['busybox:latest', 'mybox:v1']],
      ['sha256:d', []],
      ['sha256:e', []],
    ]);
  });
});

describe('a snapshot of an engine with thousands of things', () => {
  it('shows the first of each and counts the rest, and reads layer stacks for the first images only', async () => {
    const many = 3000;
    const stackReads = new Set<string>();
    const engine = {
      containers: async () => ContainerSummary.array().parse(Array.from({ length: many }, (_, i) => ({ Id: `c${i}`, Names: [`/c${i}`] }))),
      images: async () =>
        ImageSummary.array().parse(Array.from({ length: many }, (_, i) => ({ Id: `sha256:${i}`, RepoTags: [`img:${i}`] }))),
      volumes: async () => VolumeSummary.array().parse(Array.from({ length: many }, (_, i) => ({ Name: `v${i}` }))),
      networks: async () => NetworkSummary.array().parse([{ Name: 'bridge' }]),
      image: async (id: string) => {
        stackReads.add(id);
        return undefined;
      },
      imageHistory: async () => [],
    } as unknown as InnerEngine;
    const { readSnapshot } = await import('../../sandbox-server/engine-view/snapshot.ts');
    const snapshot = await readSnapshot(engine, new Map());
    expect(snapshot.containers).toHaveLength(SNAPSHOT_ITEMS_MAX);
    expect(snapshot.images).toHaveLength(SNAPSHOT_ITEMS_MAX);
    expect(snapshot.hidden).toEqual({
      containers: many - SNAPSHOT_ITEMS_MAX,
      images: many - SNAPSHOT_ITEMS_MAX,
      volumes: many - SNAPSHOT_ITEMS_MAX,
      networks: 0,
    });
    expect(stackReads.size).toBe(SNAPSHOT_STACKS_MAX);
    expect(JSON.stringify(snapshot).length).toBeLessThan(200_000);
  });
});

/** An inner engine that answers from `state`, counting how often it was read. */
function fakeEngine(state: { containers: string[]; fail?: boolean }, reads: { count: number }): InnerEngine {
  return {
    containers: async () => {
      reads.count += 1;
      if (state.fail) throw new InnerEngineError('timeout', 'your Docker Engine did not answer within 10 s.');
      return ContainerSummary.array().parse(
        state.containers.map((name) => ({ Id: name, Names: [`/${name}`], Image: 'busybox', State: 'running' })),
      );
    },
    images: async () => [],
    volumes: async () => [],
    networks: async () => [],
    close: () => {},
  } as unknown as InnerEngine;
}

describe('live engine views', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup() {
    const state: { containers: string[]; fail?: boolean } = { containers: [] };
    const reads = { count: 0 };
    const backend = fakeBackend();
    const changes: (() => void)[] = [];
    let stopped = 0;
    backend.openEngine = async () => fakeEngine(state, reads);
    backend.watchEvents = (_sandbox, onChange) => {
      changes.push(onChange);
      return {
        stop() {
          stopped += 1;
        },
      };
    };
    const events = createEventBus();
    const sent: SessionEvent[] = [];
    events.subscribe('s1', (event) => sent.push(event as SessionEvent));
    const errors: Error[] = [];
    const views = createEngineViews({ sandboxes: backend, events, throttleMs: 250, onError: (error) => errors.push(error) });
    const names = () =>
      sent.map((event) => (event.type === 'engine' ? event.snapshot.containers.map((c) => c.name).join(',') : event.type));
    return { state, reads, changes, views, sent, names, errors, stopped: () => stopped };
  }

  it('sends a snapshot when opened and after each change, never the same one twice', async () => {
    vi.useFakeTimers();
    const t = setup();
    const close = t.views.open('s1', { id: 'sb' });
    await vi.advanceTimersByTimeAsync(0);
    expect(t.names()).toEqual(['']);
    t.state.containers = ['web'];
    t.changes[0]?.();
    await vi.advanceTimersByTimeAsync(300);
    t.changes[0]?.();
    await vi.advanceTimersByTimeAsync(300);
    expect(t.names()).toEqual(['', 'web']);
    close();
    close();
    expect(t.stopped()).toBe(1);
  });

  it('reads a burst of changes at most once per throttle interval, ending with the final state', async () => {
    vi.useFakeTimers();
    const t = setup();
    t.views.open('s1', { id: 'sb' });
    await vi.advanceTimersByTimeAsync(0);
    for (let step = 1; step <= 20; step++) {
      t.state.containers = Array.from({ length: step }, (_, index) => `c${index}`);
      t.changes[0]?.();
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(500);
    // 20 changes over 1 s: the first read, then one per 250 ms.
    expect(t.reads.count).toBeLessThanOrEqual(6);
    expect(t.names().at(-1)?.split(',')).toHaveLength(20);
  });

  it('gives a second page of the session the engine at once, and follows until the last one closes', async () => {
    vi.useFakeTimers();
    const t = setup();
    const first = t.views.open('s1', { id: 'sb' });
    await vi.advanceTimersByTimeAsync(0);
    const second = t.views.open('s1', { id: 'sb' });
    expect(t.names()).toEqual(['', '']);
    expect(t.changes).toHaveLength(1);
    first();
    expect(t.stopped()).toBe(0);
    second();
    expect(t.stopped()).toBe(1);
    t.changes[0]?.();
    await vi.advanceTimersByTimeAsync(500);
    expect(t.reads.count).toBe(1);
  });

  it('reports an engine that cannot be read and tries again at the next change', async () => {
    vi.useFakeTimers();
    const t = setup();
    t.state.fail = true;
    t.views.open('s1', { id: 'sb' });
    await vi.advanceTimersByTimeAsync(0);
    expect(t.errors.map((error) => error.message)).toEqual(['your Docker Engine did not answer within 10 s.']);
    // The learner is told in a sentence, once.
    expect(t.sent).toEqual([
      { type: 'engine-problem', message: 'The Engine tab is not up to date: your Docker Engine did not answer within 10 s.' },
    ]);
    t.state.fail = false;
    t.changes[0]?.();
    await vi.advanceTimersByTimeAsync(300);
    expect(t.names()).toEqual(['engine-problem', '']);
    t.views.close();
    expect(t.stopped()).toBe(1);
  });
});
