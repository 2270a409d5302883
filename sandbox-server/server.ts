// Puts Dockhand together: image kit and network, store, sandboxes and their pool, sessions, the HTTP
// API and WebSockets. `close()` stops it without leaving anything half-made: unclaimed pool sandboxes
// are removed, learners' sandboxes stay for the next start to re-adopt.
import { once } from 'node:events';
import type { Server } from 'node:http';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { requireSession } from './api/auth.ts';
import { openEventsSocket } from './api/events-socket.ts';
import { addHealthRoute } from './api/health.ts';
import { addSessionRoutes } from './api/sessions.ts';
import type { Config } from './config.ts';
import { createApp } from './http/app.ts';
import { createRouter } from './http/router.ts';
import { createUpgradeRouter } from './http/upgrade.ts';
import { connectHostEngine, engineVersion } from './sandboxes/docker.ts';
import { prepareSandboxHost } from './sandboxes/host.ts';
import type { Progress } from './sandboxes/kit/progress.ts';
import { createPool, type Pool } from './sandboxes/pool.ts';
import { createSandboxService } from './sandboxes/service.ts';
import { createEventBus } from './sessions/events.ts';
import { createSessions, type Sessions } from './sessions/sessions.ts';
import { openStore } from './store/store.ts';

export type Dockhand = {
  url: string;
  port: number;
  sessions: Sessions;
  pool: Pool;
  close(): Promise<void>;
};

export async function startDockhand(config: Config, log: Progress): Promise<Dockhand> {
  const engine = connectHostEngine();
  const docker = await engineVersion(engine).catch((error: Error) => {
    throw new Error(`no Docker Engine answers (${error.message}); start one, or run \`npm start\` as root to have it installed.`);
  });
  log(`Docker Engine ${docker.version} (API ${docker.apiVersion})`);
  const host = await prepareSandboxHost(engine, config, log);
  log(`image kit ready in ${host.kit.seconds.toFixed(1)} s; mirror at ${host.mirror.address}`);

  const store = openStore(path.join(config.stateDir, 'dockhand.sqlite'));
  const sandboxes = createSandboxService(engine, {
    instance: config.instance,
    runDir: config.runDir,
    network: host.network,
    mirror: host.mirror.address,
    limits: config.limits,
  });
  const events = createEventBus();
  const pool = createPool(0, {
    launch: () => sandboxes.launch(),
    destroy: (sandbox) => sandboxes.destroy(sandbox),
    onError: (error) => log(`pool: could not start a sandbox: ${error instanceof Error ? error.message : String(error)}`),
  });
  const sessions = createSessions({ store, pool, sandboxes, events, timeouts: config.timeouts });
  const adoption = await sessions.adoptAll();
  if (adoption.adopted + adoption.ended + adoption.reaped > 0) {
    log(
      `re-adopted ${adoption.adopted} sandbox(es), ended ${adoption.ended} session(s) whose sandbox was gone, reaped ${adoption.reaped} orphan(s)`,
    );
  }
  pool.resize(config.poolSize);

  const router = createRouter();
  addHealthRoute(router, async () => ({
    ok: true,
    docker: await engineVersion(engine),
    kit: { state: 'ready', images: host.kit.images, mirror: host.mirror.address },
    pool: pool.stats(),
    sessions: sessions.liveCount(),
  }));
  addSessionRoutes(router, { sessions });

  const wss = new WebSocketServer({ noServer: true });
  const upgrades = createUpgradeRouter().add('/ws/sessions/:id/events', (req, socket, head, params, url) => {
    const session = requireSession(sessions, params.id as string, url.searchParams.get('token') ?? undefined);
    wss.handleUpgrade(req, socket, head, (ws) => openEventsSocket(ws, session, events));
  });

  const server = createApp({ siteDir: path.join(config.rootDir, 'dist'), router, upgrades });
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  const sweeper = setInterval(() => {
    sessions.sweep().catch((error: Error) => log(`timeout sweep failed: ${error.message}`));
  }, config.sweepIntervalMs);

  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    port,
    sessions,
    pool,
    async close() {
      clearInterval(sweeper);
      await closeServer(server, wss);
      await pool.close();
      store.close();
    },
  };
}

async function closeServer(server: Server, wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}
