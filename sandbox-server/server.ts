// Puts Dockhand together: image kit and network, store, course, sandboxes and their pool, sessions,
// live checks, the HTTP API and WebSockets. `close()` stops it without leaving anything half-made:
// unclaimed pool sandboxes are removed, learners' sandboxes stay for the next start to re-adopt, and
// the log says which of that happened.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { requireSessionTicket, requireTicket, ticketSubject } from './api/auth.ts';
import { addCourseRoutes, findLesson } from './api/course.ts';
import { toHttpError } from './api/errors.ts';
import { openEventsSocket } from './api/events-socket.ts';
import { addHealthRoute } from './api/health.ts';
import { addLearnerRoutes } from './api/learners.ts';
import { addMetricsRoute } from './api/metrics.ts';
import { addPortRoutes } from './api/ports.ts';
import { addPreviewRedirects, addPreviewRoutes, previewOriginFor } from './api/preview.ts';
import { createSandboxCallLimit } from './api/sandbox-calls.ts';
import { addSessionRoutes } from './api/sessions.ts';
import { addTicketRoutes } from './api/tickets.ts';
import { addWorkshopRoutes } from './api/workshops.ts';
import { addWorkspaceRoutes } from './api/workspace.ts';
import { createChecker } from './checks/checker.ts';
import type { Config } from './config.ts';
import { loadCourse } from './course/load.ts';
import type { Lesson } from './course/types.ts';
import { createEngineViews } from './engine-view/views.ts';
import { type CheckRow, formatReport } from './host/report.ts';
import { createHostStatus } from './host/status.ts';
import { createApp } from './http/app.ts';
import { createRouter } from './http/router.ts';
import { createUpgradeRouter } from './http/upgrade.ts';
import { createMetrics } from './metrics.ts';
import { assertRunnable, runPreflight } from './preflight.ts';
import { normalizeJoinCode } from './protocol/join-code.ts';
import { TERMINAL_MAX_PAYLOAD } from './protocol/limits.ts';
import { failureKey, isAlive, SandboxStartError, type StartOptions, startProblem } from './sandboxes/backend.ts';
import { createBackend } from './sandboxes/create-backend.ts';
import type { Progress } from './sandboxes/kit/progress.ts';
import { createPool, type Pool } from './sandboxes/pool.ts';
import { KEPT_DISK_SWEEP_MS } from './sandboxes/retention.ts';
import { createAdmission } from './sessions/admission.ts';
import { createEventBus } from './sessions/events.ts';
import { hostMemoryAvailable } from './sessions/host-memory.ts';
import { createLearners } from './sessions/learners.ts';
import { createLobby } from './sessions/lobby.ts';
import { ADOPT_POLICY, createSessions, type LiveSession, type Sessions } from './sessions/sessions.ts';
import { copyStarterFiles } from './sessions/starter.ts';
import { createTickets } from './sessions/tickets.ts';
import { newSessionId } from './sessions/tokens.ts';
import { openStore } from './store/store.ts';
import { detachAllTerminals, startFirstShell } from './terminal/terminal.ts';
import { type AdminToken, loadAdminToken } from './workshops/admin-token.ts';
import { createRoom } from './workshops/room.ts';
import { createWorkshops, type Workshops } from './workshops/workshops.ts';

/** How often a healthy host is checked again. */
const HOST_RECHECK_MS = 60_000;

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

export async function startDockhand(config: Config, log: Progress): Promise<Dockhand> {
  const tls = await readTls(config);
  const backendHost = createBackend(config);
  const preflightOptions = { fix: config.fixHost };
  const preflight = await runPreflight(backendHost.hostChecks, { ...preflightOptions, listen: { host: config.host, port: config.port } });
  for (const line of formatReport(preflight)) log(`preflight: ${line}`);
  assertRunnable(preflight);
  const hostStatus = createHostStatus();
  hostStatus.setPreflight(preflight);
  const host = await backendHost.prepare(log);

  const lessonsDir = config.courseDir;
  const course = await loadCourse(lessonsDir);
  for (const problem of course.problems) log(`lesson problem: ${path.join(lessonsDir, problem.file)}:${problem.line}: ${problem.message}`);

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
  const checker = createChecker({
    store,
    events,
    sandboxes,
    onError: (error) => log(`live check failed: ${error.message}`),
    onEvaluated: (seconds) => metrics.liveCheck(seconds),
  });
  const engineViews = createEngineViews({ sandboxes, events });
  let lastFailure = '';
  const launch = async (startOptions?: StartOptions) => {
    const started = performance.now();
    const sandbox = await sandboxes.start(startOptions);
    metrics.sandboxStarted((performance.now() - started) / 1000);
    return sandbox;
  };
  const pool = createPool(0, {
    launch,
    hasKeptDisk: async (key) => (await sandboxes.keptDisk(key)) !== undefined,
    destroy: (sandbox) => sandboxes.destroy(sandbox),
    isAlive: (sandbox, timeoutMs) => isAlive(sandboxes, sandbox, timeoutMs),
    prepare: (sandbox) => startFirstShell(sandboxes, sandbox),
    onDead: (sandbox) => log(`pool: warm sandbox ${sandbox.id} no longer answered; replacing it`),
    retry: config.poolRetry,
    onFailure: ({ error, consecutive, retryInMs }) => {
      const problem = startProblem(error);
      hostStatus.startFailed(problem);
      metrics.sandboxFailed(problem.check);
      log(`pool: sandbox start failed (${consecutive} in a row; next try in ${Math.round(retryInMs / 1000)} s): ${problem.message}`);
      // The sandbox's own trace once, and again only when it says something new.
      const key = failureKey(error);
      if (error instanceof SandboxStartError && key !== lastFailure)
        log(`pool: the failed sandbox printed:\n${error.detail.replace(/^/gm, '    ')}`);
      lastFailure = key;
    },
    onRecovered: () => {
      hostStatus.startSucceeded();
      lastFailure = '';
      log('pool: sandboxes start again');
    },
    onError: (error) => log(`pool: could not remove a sandbox: ${error instanceof Error ? error.message : String(error)}`),
  });
  const sessions = createSessions({
    store,
    pool,
    sandboxes,
    events,
    timeouts: config.timeouts,
    adoptPolicy: { ...ADOPT_POLICY, baseMs: config.adoptTimeoutMs },
    onEnded: (id) => {
      checker.forget(id);
      lobby.ended(id);
    },
    onAdopted: async (session) => {
      lobby.hold(session);
      await detachAllTerminals(sandboxes, session.sandbox).catch((error: Error) => log(error.message));
    },
  });
  const lobby = createLobby({
    sessions,
    admission: createAdmission(config.admission, newSessionId, hostMemoryAvailable(config.meminfo)),
    events,
    onAdmitted: (session) => sessionStarted(session),
    onError: (error) => log(`a session that waited in line could not start: ${error.message}`),
  });
  const adoption = await sessions.adoptAll();
  // Sandboxes that stop by themselves (the host's engine restarted): warm ones are replaced, learners'
  // are started again on their disks; after a break in the news, everything held is proven alive.
  const sandboxWatch = sandboxes.watchSandboxes({
    onStopped: (id) => {
      if (pool.stopped(id)) return log(`pool: warm sandbox ${id} stopped; replacing it`);
      sessions
        .sandboxStopped(id)
        .then(
          (held) =>
            held && log(`a learner's sandbox ${id} stopped by itself; it was started again or its session ended with its disk kept`),
        )
        .catch((error: Error) => log(`bringing back sandbox ${id} failed: ${error.message}`));
    },
    onMissed: () => {
      log('the Docker Engine answers again after a break (did it restart?); checking every sandbox');
      pool.recheck().catch((error: Error) => log(`pool: re-checking failed: ${error.message}`));
      sessions
        .recheck((sandbox) => isAlive(sandboxes, sandbox))
        .catch((error: Error) => log(`re-checking sessions failed: ${error.message}`));
    },
  });
  if (adoption.adopted + adoption.kept + adoption.lost + adoption.reaped + adoption.problems.length > 0) {
    log(
      `re-adopted ${adoption.adopted} sandbox(es); ended ${adoption.kept} session(s) whose sandbox did not come back in time (their learners' disks kept) and ${adoption.lost} whose sandbox and disk were gone; reaped ${adoption.reaped} orphan(s)`,
    );
  }
  for (const problem of adoption.problems) log(`re-adoption: ${problem}`);
  const workshops = createWorkshops({ store, sessions, course, joinTries: config.joinTries });
  const room = createRoom(events);
  const admin = loadAdminToken(config.stateDir, config.adminToken);
  // Hot start: the pool grows towards the people expected at a workshop about to start, within what the
  // host can hold; warm sandboxes count towards DOCKHAND_MAX_SANDBOXES too.
  const resizePool = () =>
    pool.resize(
      Math.min(
        config.poolMax,
        config.poolSize + workshops.hotStartDemand(),
        Math.max(0, config.admission.maxSandboxes - sessions.liveCount()),
      ),
    );
  resizePool();

  const lessonExists = (slug: string) => course.lessons.some((lesson) => lesson.slug === slug);

  /** A lesson opened in a session: its starter files arrive and its exercises are checked live. */
  const openLesson = async (session: LiveSession, lesson: Lesson) => {
    await copyStarterFiles(sandboxes, session.sandbox, lesson, lessonsDir);
    checker.watch(session, lesson);
  };

  /** A session that got its sandbox (at once, or after waiting in line). */
  async function sessionStarted(session: LiveSession): Promise<void> {
    const { lesson, workshop, name } = session.record;
    if (lesson) await openLesson(session, findLesson(course, lesson));
    if (workshop)
      events.publish(`workshop:${workshop}`, { type: 'participant', sessionId: session.record.id, name: name ?? '', state: 'joined' });
    resizePool();
  }

  const tickets = createTickets();
  const router = createRouter();
  addMetricsRoute(router, { metrics, adminToken: admin.token });
  const internalError = (error: unknown, req?: IncomingMessage) =>
    log(
      `internal error${req ? ` on ${req.method} ${req.url?.split('?')[0]}` : ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  const upgrades = createUpgradeRouter(toHttpError, internalError);
  const wss = new WebSocketServer({ noServer: true, maxPayload: TERMINAL_MAX_PAYLOAD });
  addHealthRoute(
    router,
    {
      problems: () => hostStatus.problems(),
      details: async () => ({
        backend: await host.describe(),
        course: { lessons: course.lessons.length, problems: course.problems.length },
        pool: pool.stats(),
        sessions: sessions.liveCount(),
      }),
    },
    admin.token,
  );
  const learners = createLearners(store, config.learners);
  addLearnerRoutes(router, { learners, sessions, lobby, store, workshops, trustedProxies: config.trustedProxies });
  addSessionRoutes(router, {
    sessions,
    learners,
    hostProblems: () => hostStatus.problems(),
    lessonExists,
    workshopLessons: (code) => workshops.get(code)?.lessons ?? [],
    admitToWorkshop: (code, name, learner, client) => {
      const admission = workshops.admit(normalizeJoinCode(code) ?? code, name, learner, client);
      if (!admission.ok) return admission;
      const { workshop, participant, isNew } = admission;
      const seat = isNew ? () => workshops.seat(participant) : undefined;
      return { ok: true, code: workshop.code, participant: participant.id, name: participant.name, seat };
    },
    onCreated: (session) => sessionStarted(session),
    workKept: async (learner) => (await sandboxes.keptDisk(learner)) !== undefined,
    lobby,
    trustedProxies: config.trustedProxies,
  });
  addTicketRoutes(router, { sessions, lobby, tickets, adminToken: admin.token });
  addWorkshopRoutes(router, upgrades, {
    workshops,
    sessions,
    sandboxes,
    events,
    wss,
    adminToken: admin.token,
    lessonExists,
    tickets,
    room,
    trustedProxies: config.trustedProxies,
    publicUrl: config.publicUrl,
  });
  const limitCalls = createSandboxCallLimit();
  addCourseRoutes(router, { course, sessions, store, checker, limitCalls });
  // The web preview listens on a port of its own (bound below), so previews get an origin of their own.
  const previewRouter = createRouter();
  const previewUpgrades = createUpgradeRouter(toHttpError, internalError);
  let previewPort = config.previewPort;
  const previewOrigin = previewOriginFor({ previewUrl: config.previewUrl, tls: Boolean(tls), port: () => previewPort });
  addPortRoutes(router, { sessions, sandboxes, previewOrigin, limitCalls });
  addPreviewRedirects(router, previewOrigin);
  addWorkspaceRoutes(router, upgrades, { sessions, sandboxes, checker, wss, tickets, limitCalls, onTerminal: room.terminalOpened });
  addPreviewRoutes(previewRouter, previewUpgrades, {
    sessions,
    sandboxes,
    tickets,
    previewUrl: config.previewUrl,
    https: Boolean(tls) || config.previewUrl?.startsWith('https:') === true,
  });
  upgrades.add('/ws/sessions/:id/events', (req, socket, head, params, url) => {
    const id = params.id as string;
    const position = lobby.position(id);
    if (position !== undefined) {
      requireTicket(tickets, url, 'events', ticketSubject.session(id));
      return wss.handleUpgrade(req, socket, head, (ws) => openEventsSocket(ws, id, events, { type: 'queue', position }));
    }
    const session = requireSessionTicket(sessions, tickets, id, url, 'events');
    const slug = url.searchParams.get('lesson');
    const lesson = slug ? findLesson(course, slug) : undefined;
    wss.handleUpgrade(req, socket, head, (ws) => {
      openEventsSocket(ws, id, events, { type: 'sandbox', state: 'ready' });
      // The Engine tab follows the learner's engine while the page is open.
      ws.once('close', engineViews.open(id, session.sandbox));
      if (lesson) openLesson(session, lesson).catch((error: Error) => log(`could not open ${lesson.slug} for a session: ${error.message}`));
    });
  });

  const server = createApp({
    siteDir: path.join(config.rootDir, 'dist'),
    router,
    upgrades,
    tls,
    mapError: toHttpError,
    onInternalError: internalError,
  });
  const port = await listen(server, config.port, config.host, 'PORT');
  const previewServer = createApp({
    router: previewRouter,
    upgrades: previewUpgrades,
    tls,
    mapError: toHttpError,
    onInternalError: internalError,
  });
  previewPort = await listen(previewServer, config.previewPort, config.host, 'DOCKHAND_PREVIEW_PORT').catch(async (error: Error) => {
    await closeServer(server, wss);
    throw error;
  });
  const shownHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const scheme = tls ? 'https' : 'http';

  // The host can change while Dockhand runs (a device node reset, a sysctl): re-checked now and then,
  // and at every sweep while a problem stands, so a fix is noticed soon; never two checks at once.
  let lastPreflight = summary(preflight);
  let lastRecheck = Date.now();
  let rechecking = false;
  const recheckHost = async () => {
    if (rechecking || (hostStatus.problems().length === 0 && Date.now() - lastRecheck < HOST_RECHECK_MS)) return;
    rechecking = true;
    try {
      const rows = await runPreflight(backendHost.hostChecks, preflightOptions);
      hostStatus.setPreflight(rows);
      const now = summary(rows);
      if (now !== lastPreflight) for (const line of formatReport(rows.filter((row) => row.status !== 'ok'))) log(`preflight: ${line}`);
      lastPreflight = now;
    } finally {
      rechecking = false;
      lastRecheck = Date.now();
    }
  };
  const sweepKeptDisks = () =>
    sandboxes
      .sweepKeptDisks()
      .then((keys) => keys.length > 0 && log(`deleted ${keys.length} kept disk(s) past DOCKHAND_KEEP_DISKS or DOCKHAND_KEPT_DISKS_MAX`))
      .catch((error: Error) => log(`sweeping kept disks failed: ${error.message}`));
  await sweepKeptDisks();
  const diskSweeper = setInterval(sweepKeptDisks, KEPT_DISK_SWEEP_MS);
  const sweeper = setInterval(() => {
    sessions.sweep().catch((error: Error) => log(`timeout sweep failed: ${error.message}`));
    recheckHost().catch((error: Error) => log(`preflight failed: ${error.message}`));
    resizePool();
  }, config.sweepIntervalMs);

  return {
    url: `${scheme}://${shownHost}:${port}`,
    port,
    previewUrl: config.previewUrl ?? `${scheme}://${shownHost}:${previewPort}`,
    previewPort,
    adminToken: admin.token,
    admin,
    sessions,
    pool,
    workshops,
    async close() {
      sandboxWatch.stop();
      clearInterval(sweeper);
      clearInterval(diskSweeper);
      checker.close();
      engineViews.close();
      await closeServer(server, wss);
      await closeServer(previewServer, wss);
      // Said as it is: learners' sandboxes keep running only when the engine does (an engine Dockhand
      // started runs in its own session and outlives it; one stopped by hand took them down with it).
      const engineAnswers = await host.describe().then(
        () => true,
        () => false,
      );
      const removed = await pool.close({ remove: engineAnswers });
      const learners = sessions.liveCount();
      store.close();
      log(
        engineAnswers
          ? `stopped: removed ${removed} warm sandbox(es); ${learners} learner sandbox(es) keep running on the Docker Engine, and the next start re-adopts them`
          : `stopped: the Docker Engine no longer answers, so learners' sandboxes stopped with it; their disks stay on this host, and the next start (once the engine runs) brings back ${learners} learner sandbox(es)`,
      );
    },
  };
}

async function readTls(config: Config): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!config.tls) return undefined;
  const read = (file: string, name: string) =>
    readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`${name} ${file} cannot be read (${error.code ?? error.message}); point it at a PEM file Dockhand may read.`);
    });
  return { cert: await read(config.tls.certPath, 'DOCKHAND_TLS_CERT'), key: await read(config.tls.keyPath, 'DOCKHAND_TLS_KEY') };
}

function summary(rows: readonly CheckRow[]): string {
  return rows.map((row) => `${row.check}:${row.status}`).join(' ');
}

/** Listens; a port that cannot be had is one sentence naming the setting. */
async function listen(server: Server, port: number, host: string, setting: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${setting}=${port} cannot be used on ${host} (${error.code ?? error.message}); stop what listens there or choose another port.`,
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

async function closeServer(server: Server, wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}
