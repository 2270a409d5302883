// Every HTTP route and WebSocket upgrade, on Dockhand's own origin and on the preview's, wired to the
// parts startDockhand made. Nothing here decides anything: each route lives in api/.
import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import { addCourseRoutes } from '../api/course.ts';
import { addEventsRoute } from '../api/events-route.ts';
import { addHealthRoute } from '../api/health.ts';
import { addLearnerRoutes } from '../api/learners.ts';
import { addMetricsRoute } from '../api/metrics.ts';
import { addPortRoutes } from '../api/ports.ts';
import { addPreviewRedirects, addPreviewRoutes, previewOriginFor } from '../api/preview.ts';
import { createSandboxCallLimit } from '../api/sandbox-calls.ts';
import { addSessionRoutes } from '../api/sessions.ts';
import { addTicketRoutes } from '../api/tickets.ts';
import { addWorkshopRoutes } from '../api/workshops.ts';
import { addWorkspaceRoutes } from '../api/workspace.ts';
import type { Checker } from '../checks/checker.ts';
import type { Config } from '../config.ts';
import type { Course } from '../course/load.ts';
import type { Lesson } from '../course/types.ts';
import type { EngineViews } from '../engine-view/views.ts';
import type { HostStatus } from '../host/status.ts';
import { createRouter, type Router } from '../http/router.ts';
import { createUpgradeRouter, type UpgradeRouter } from '../http/upgrade.ts';
import type { Metrics } from '../metrics.ts';
import { normalizeJoinCode } from '../protocol/join-code.ts';
import { TERMINAL_MAX_PAYLOAD } from '../protocol/limits.ts';
import type { PreparedBackend } from '../sandboxes/backend.ts';
import type { Pool } from '../sandboxes/pool.ts';
import type { EventBus } from '../sessions/events.ts';
import { createLearners } from '../sessions/learners.ts';
import type { Lobby } from '../sessions/lobby.ts';
import type { LiveSession, Sessions } from '../sessions/sessions.ts';
import { createTickets } from '../sessions/tickets.ts';
import type { Store } from '../store/store.ts';
import type { Room } from '../workshops/room.ts';
import { roomSize, type Workshops } from '../workshops/workshops.ts';

export type RouteDeps = {
  config: Config;
  /** Dockhand serves HTTPS itself (DOCKHAND_TLS_CERT). */
  tls: boolean;
  host: PreparedBackend;
  hostStatus: HostStatus;
  course: Course;
  store: Store;
  metrics: Metrics;
  events: EventBus;
  checker: Checker;
  engineViews: EngineViews;
  pool: Pool;
  sessions: Sessions;
  lobby: Lobby;
  workshops: Workshops;
  room: Room;
  adminToken: string;
  openLesson(session: LiveSession, lesson: Lesson): Promise<void>;
  /** A session that got its sandbox at once. */
  sessionStarted(session: LiveSession): Promise<void>;
  log(line: string): void;
};

export type Routes = {
  router: Router;
  upgrades: UpgradeRouter;
  previewRouter: Router;
  previewUpgrades: UpgradeRouter;
  wss: WebSocketServer;
  internalError(error: unknown, req?: IncomingMessage): void;
  /** Where the preview listener was bound (its links name the port). */
  setPreviewPort(port: number): void;
};

export function createRoutes(deps: RouteDeps): Routes {
  const { config, course, sessions, lobby, workshops, events, checker, room, adminToken, log } = deps;
  const sandboxes = deps.host.backend;
  const { trustedProxies } = config;
  const tickets = createTickets();
  const router = createRouter();
  addMetricsRoute(router, { metrics: deps.metrics, adminToken });
  const internalError = (error: unknown, req?: IncomingMessage) =>
    log(
      `internal error${req ? ` on ${req.method} ${req.url?.split('?')[0]}` : ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  const upgrades = createUpgradeRouter(internalError);
  const wss = new WebSocketServer({ noServer: true, maxPayload: TERMINAL_MAX_PAYLOAD });
  const details = async () => ({
    backend: await deps.host.describe(),
    course: { lessons: course.lessons.length, problems: course.problems.length },
    pool: deps.pool.stats(),
    sessions: sessions.liveCount(),
  });
  addHealthRoute(router, { problems: () => deps.hostStatus.problems(), details }, adminToken);
  const learners = createLearners(deps.store, config.learners);
  addLearnerRoutes(router, { learners, sessions, lobby, store: deps.store, workshops, trustedProxies });
  const lessonExists = (slug: string) => course.lessons.some((lesson) => lesson.slug === slug);
  addSessionRoutes(router, {
    sessions,
    learners,
    hostProblems: () => deps.hostStatus.problems(),
    lessonExists,
    workshopLessons: (code) => workshops.get(code)?.lessons ?? [],
    admitToWorkshop: (code, name, learner, client) => {
      const admission = workshops.admit(normalizeJoinCode(code) ?? code, name, learner, client);
      if (!admission.ok) return admission;
      const { workshop, participant, isNew } = admission;
      const seat = isNew ? () => workshops.seat(participant) : undefined;
      return { ok: true, code: workshop.code, participant: participant.id, name: participant.name, room: roomSize(workshop), seat };
    },
    onCreated: deps.sessionStarted,
    workKept: async (learner) => (await sandboxes.keptDisk(learner)) !== undefined,
    lobby,
    trustedProxies,
  });
  addTicketRoutes(router, { sessions, lobby, tickets, adminToken });
  addWorkshopRoutes(router, upgrades, {
    workshops,
    sessions,
    sandboxes,
    events,
    wss,
    adminToken,
    lessonExists,
    tickets,
    room,
    trustedProxies,
    publicUrl: config.publicUrl,
  });
  const limitCalls = createSandboxCallLimit();
  addCourseRoutes(router, { course, sessions, store: deps.store, checker, limitCalls, imageState: deps.host.imageState });
  // The web preview listens on a port of its own (bound by the caller), so previews get an origin of their own.
  const previewRouter = createRouter();
  const previewUpgrades = createUpgradeRouter(internalError);
  let previewPort = config.previewPort;
  const previewOrigin = previewOriginFor({ previewUrl: config.previewUrl, tls: deps.tls, port: () => previewPort });
  addPortRoutes(router, { sessions, sandboxes, previewOrigin, limitCalls });
  addPreviewRedirects(router, previewOrigin);
  addWorkspaceRoutes(router, upgrades, { sessions, sandboxes, checker, wss, tickets, limitCalls, onTerminal: room.terminalOpened });
  addPreviewRoutes(previewRouter, previewUpgrades, {
    sessions,
    sandboxes,
    tickets,
    previewUrl: config.previewUrl,
    https: deps.tls || config.previewUrl?.startsWith('https:') === true,
  });
  addEventsRoute(upgrades, {
    sessions,
    lobby,
    tickets,
    events,
    course,
    engineViews: deps.engineViews,
    wss,
    openLesson: deps.openLesson,
    log,
  });
  return {
    router,
    upgrades,
    previewRouter,
    previewUpgrades,
    wss,
    internalError,
    setPreviewPort: (port) => {
      previewPort = port;
    },
  };
}
