// Puts Dockhand together: the host's checks, the sandbox backend, store, course, the pool, sessions,
// live checks, the HTTP API and WebSockets. Wiring only: each part is made in its own module (the
// server's own pieces in start/). `close()` stops it without leaving anything half-made: unclaimed pool
// sandboxes are removed, learners' sandboxes stay for the next start to re-adopt, and the log says which.
import path from 'node:path';
import { createChecker } from './checks/checker.ts';
import type { Config } from './config.ts';
import { imagePlan } from './course/image-plan.ts';
import { loadCourse } from './course/load.ts';
import { createEngineViews } from './engine-view/views.ts';
import { checkHostAtStart, hostRecheck } from './host/recheck.ts';
import { createHostStatus } from './host/status.ts';
import { createMetrics } from './metrics.ts';
import type { BackendHost } from './sandboxes/backend.ts';
import { createBackend } from './sandboxes/create-backend.ts';
import type { Progress } from './sandboxes/kit/progress.ts';
import type { Pool } from './sandboxes/pool.ts';
import { createEventBus } from './sessions/events.ts';
import type { Sessions } from './sessions/sessions.ts';
import { sessionStarts } from './start/lessons.ts';
import { openListeners, readTls } from './start/listen.ts';
import { createServerPool, poolTarget } from './start/pool.ts';
import { createRoutes } from './start/routes.ts';
import { followSandboxes, logAdoption, stopSandboxes } from './start/sandbox-watch.ts';
import { createServerSessions } from './start/sessions.ts';
import { startSweeps } from './start/sweeps.ts';
import { openStore } from './store/store.ts';
import { type AdminToken, loadAdminToken } from './workshops/admin-token.ts';
import { createRoom } from './workshops/room.ts';
import { createWorkshops, type Workshops } from './workshops/workshops.ts';

export type Dockhand = {
  url: string;
  port: number;
  /** The web preview's own origin (its own listener, or DOCKHAND_PREVIEW_URL in front of it, which may hold `{session}`). */
  previewUrl: string;
  previewPort: number;
  /** The instructor's token (see workshops/admin-token.ts). */
  adminToken: string;
  /** The token and where it came from (the start prints it only when Dockhand made it). */
  admin: AdminToken;
  sessions: Sessions;
  pool: Pool;
  workshops: Workshops;
  close(): Promise<void>;
};

/** `backendHost`: what runs sandboxes, the one configuration chooses unless given (a test's fake backend). */
export async function startDockhand(config: Config, log: Progress, backendHost: BackendHost = createBackend(config)): Promise<Dockhand> {
  const tls = await readTls(config);
  const hostStatus = createHostStatus();
  const hostWatch = { hostChecks: backendHost.hostChecks, fix: config.fixHost, hostStatus, log };
  const preflight = await checkHostAtStart(hostWatch, { host: config.host, port: config.port });
  const course = await loadCourse(config.courseDir, { images: backendHost.images });
  for (const problem of course.problems)
    log(`lesson problem: ${path.join(config.courseDir, problem.file)}:${problem.line}: ${problem.message}`);
  // Ready means the first lesson works completely; the other lessons' images follow in course order.
  const host = await backendHost.prepare(log, imagePlan(course.lessons, backendHost.images));

  const store = openStore(path.join(config.stateDir, 'dockhand.sqlite'));
  // Read when scraped, after everything below exists.
  const metrics = createMetrics({
    liveSessions: () => sessions.liveCount(),
    pool: () => pool.stats(),
    hostProblems: () => hostStatus.problems().length,
    admission: () => lobby.stats(),
  });
  const sandboxes = host.backend;
  const events = createEventBus();
  const onError = (error: Error) => log(`live check failed: ${error.message}`);
  const checker = createChecker({ store, events, sandboxes, onError, onEvaluated: (seconds) => metrics.liveCheck(seconds) });
  const engineViews = createEngineViews({ sandboxes, events });
  const pool = createServerPool({ sandboxes, retry: config.poolRetry, metrics, hostStatus, log });
  const { sessions, lobby } = createServerSessions({
    config,
    store,
    pool,
    sandboxes,
    events,
    checker,
    onAdmitted: (session) => sessionStarted(session),
    log,
  });
  logAdoption(await sessions.adoptAll(), log);
  const sandboxWatch = followSandboxes({ sandboxes, pool, sessions, log });
  const workshops = createWorkshops({ store, sessions, course, joinTries: config.joinTries });
  const room = createRoom(events);
  const admin = loadAdminToken(config.stateDir, config.adminToken);
  const resizePool = () => pool.resize(poolTarget(config, workshops.hotStartDemand(), sessions.liveCount()));
  resizePool();

  const { openLesson, sessionStarted } = sessionStarts({ course, courseDir: config.courseDir, sandboxes, checker, events, resizePool });
  const routes = createRoutes({
    config,
    tls: Boolean(tls),
    host,
    hostStatus,
    course,
    store,
    metrics,
    events,
    checker,
    engineViews,
    pool,
    sessions,
    lobby,
    workshops,
    room,
    adminToken: admin.token,
    openLesson,
    sessionStarted,
    log,
  });
  const listeners = await openListeners(config, tls, routes);
  const recheckHost = hostRecheck(hostWatch, preflight);
  const sweeps = await startSweeps({ sessions, sandboxes, recheckHost, resizePool, intervalMs: config.sweepIntervalMs, log });
  const shownHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const scheme = tls ? 'https' : 'http';
  return {
    url: `${scheme}://${shownHost}:${listeners.port}`,
    port: listeners.port,
    previewUrl: config.previewUrl ?? `${scheme}://${shownHost}:${listeners.previewPort}`,
    previewPort: listeners.previewPort,
    adminToken: admin.token,
    admin,
    sessions,
    pool,
    workshops,
    async close() {
      sandboxWatch.stop();
      sweeps.stop();
      checker.close();
      engineViews.close();
      await listeners.close();
      await stopSandboxes({ host, pool, sessions, log });
      store.close();
    },
  };
}
