// Instructor API (admin token required): create, inspect, follow, extend, broadcast to and end
// workshops, export results; plus the dashboard's live socket and read-only terminal views.

import type { IncomingMessage } from 'node:http';
import type { WebSocketServer } from 'ws';
import type { z } from 'zod';
import { DockhandError } from '../errors.ts';
import { requestScheme } from '../http/client.ts';
import { keepAlive } from '../http/keepalive.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { UpgradeRouter } from '../http/upgrade.ts';
import { BroadcastBody, ExtendBody, WorkshopBody } from '../protocol/bodies.ts';
import type { DashboardMessage } from '../protocol/events.ts';
import { normalizeJoinCode } from '../protocol/join-code.ts';
import { parseTerminalWindow } from '../protocol/terminal.ts';
import type { BroadcastView, EndedWorkshopView, ParticipantWorkshopView, WorkshopDetailView, WorkshopView } from '../protocol/workshops.ts';
import type { SandboxBackend } from '../sandboxes/backend.ts';
import type { EventBus } from '../sessions/events.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { Tickets } from '../sessions/tickets.ts';
import type { WorkshopRecord } from '../store/store.ts';
import { openTerminal } from '../terminal/terminal.ts';
import { throttle } from '../throttle.ts';
import type { Room } from '../workshops/room.ts';
import { type WorkshopInput, type Workshops, workshopState } from '../workshops/workshops.ts';
import { knownTimeZone } from '../workshops/zoned-time.ts';
import { adminGuard, bearerToken, ownedSession, requireTicket, ticketSubject } from './auth.ts';
import { readBody } from './body.ts';

export type WorkshopApiDeps = {
  workshops: Workshops;
  sessions: Sessions;
  sandboxes: SandboxBackend;
  events: EventBus;
  wss: WebSocketServer;
  adminToken: string;
  lessonExists: (slug: string) => boolean;
  /** The instructor's WebSockets carry a ticket (POST /api/admin/tickets), not the admin token. */
  tickets: Tickets;
  room: Room;
  /** Addresses whose X-Forwarded-Proto says the scheme the instructor used (DOCKHAND_TRUSTED_PROXIES). */
  trustedProxies?: string[];
  /** DOCKHAND_PUBLIC_URL: the origin join links name, rather than the address the instructor used. */
  publicUrl: string | undefined;
};

const DAY_MS = 24 * 3_600_000;
const DEFAULT_DURATION_MS = 3 * 3_600_000;
const MAX_BODY = 16 * 1024;
/** Changes within this long after one the dashboard has shown go out together in one more snapshot. */
const DASHBOARD_WINDOW_MS = 200;

export function addWorkshopRoutes(router: Router, upgrades: UpgradeRouter, deps: WorkshopApiDeps): void {
  const { workshops, events } = deps;
  const requireAdmin = adminGuard(deps.adminToken);
  const viewOf = (workshop: WorkshopRecord, req: IncomingMessage) => workshopView(workshop, req, deps.trustedProxies ?? [], deps.publicUrl);
  const workshopOf = (code: string): WorkshopRecord => {
    const normal = normalizeJoinCode(code);
    const workshop = normal ? workshops.get(normal) : undefined;
    if (!workshop) throw new DockhandError('unknown_workshop', `there is no workshop with the code "${code}"`);
    return workshop;
  };
  /** The sessions of the participants whose sandbox lives: who hears of a change at once. */
  const activeSessions = (code: string): string[] =>
    workshops
      .progress(code)
      .participants.filter((participant) => participant.state === 'active')
      .map((participant) => participant.sessionId);

  router.add('POST', '/api/workshops', async (req, res) => {
    requireAdmin(bearerToken(req));
    const workshop = workshops.create(parseWorkshop(await readBody(req, WorkshopBody, { limitBytes: MAX_BODY }), deps.lessonExists));
    sendJson(res, 201, viewOf(workshop, req));
  });

  router.add('GET', '/api/workshops', async (req, res) => {
    requireAdmin(bearerToken(req));
    const views: WorkshopView[] = workshops.list().map((workshop) => viewOf(workshop, req));
    sendJson(res, 200, views);
  });

  router.add('GET', '/api/workshops/:code', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    const table = workshops.progress(workshop.code);
    const view: WorkshopDetailView = {
      ...viewOf(workshop, req),
      participants: table.participants.map(({ participantId, sessionId, name, state, joinedAt, passed, stuck }) => ({
        participantId,
        sessionId,
        name,
        state,
        joinedAt,
        passed,
        stuck,
      })),
    };
    sendJson(res, 200, view);
  });

  router.add('GET', '/api/workshops/:code/progress', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    sendJson(res, 200, workshops.progress(workshopOf(params.code as string).code));
  });

  router.add('GET', '/api/workshops/:code/progress.csv', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    // The dashboard sends its own zone, so the file's times read as the page's do.
    const asked = new URL(req.url ?? '/', 'http://dockhand').searchParams.get('zone') ?? 'UTC';
    const zone = knownTimeZone(asked);
    if (!zone)
      throw new DockhandError('bad_request', `"${asked.slice(0, 64)}" is not a time zone this server knows; use a name like Europe/Berlin`);
    const csv = workshops.csv(workshop.code, zone);
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="workshop-${workshop.code}.csv"`,
      'cache-control': 'no-store',
    });
    res.end(csv);
  });

  router.add('POST', '/api/workshops/:code/extend', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    const { minutes } = await readBody(req, ExtendBody, { limitBytes: MAX_BODY });
    if (workshop.endedAt !== null) throw new DockhandError('workshop_ended', 'this workshop has ended; create a new one');
    const extended = workshops.extend(workshop.code, Math.max(workshop.endsAt, Date.now()) + minutes * 60_000);
    const view = viewOf(extended, req);
    for (const sessionId of activeSessions(workshop.code))
      events.publish(sessionId, { type: 'workshop', state: view.state, endsAt: view.endsAt });
    sendJson(res, 200, view);
  });

  router.add('POST', '/api/workshops/:code/broadcast', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    const { message } = await readBody(req, BroadcastBody, { limitBytes: MAX_BODY });
    const active = activeSessions(workshop.code);
    for (const sessionId of active) events.publish(sessionId, { type: 'broadcast', message, from: 'instructor' });
    const view: BroadcastView = { delivered: active.length };
    sendJson(res, 200, view);
  });

  router.add('POST', '/api/workshops/:code/end', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    const { reaped } = await workshops.end(workshop.code);
    events.publish(`workshop:${workshop.code}`, { type: 'participant', sessionId: '', name: '', state: 'ended' });
    const view: EndedWorkshopView = { ...viewOf(workshopOf(workshop.code), req), reaped };
    sendJson(res, 200, view);
  });

  // A participant's own view of their workshop, for the workshop nav on lesson pages; it stays readable
  // with the session's token after the session (or the workshop) ended.
  router.add('GET', '/api/sessions/:id/workshop', async (req, res, params) => {
    const record = ownedSession(deps.sessions, params.id as string, bearerToken(req));
    const workshop = record.workshop ? workshops.get(record.workshop) : undefined;
    // Not in a workshop is an answer, not a failure: every lesson page asks.
    if (!workshop) return sendJson(res, 200, null);
    const progress = workshops.progress(workshop.code);
    const cells = progress.participants.find((participant) => participant.sessionId === record.id)?.exercises ?? {};
    const lessons: ParticipantWorkshopView['lessons'] = [];
    for (const column of progress.exercises) {
      if (lessons.at(-1)?.slug !== column.lesson) lessons.push({ slug: column.lesson, exercises: 0, passed: 0 });
      const lesson = lessons.at(-1) as ParticipantWorkshopView['lessons'][number];
      lesson.exercises++;
      if (cells[column.key]?.passed) lesson.passed++;
    }
    const view = viewOf(workshop, req);
    // Lessons without exercises have no column: they are listed all the same.
    const ordered = view.lessons.length > 0 ? view.lessons : lessons.map((lesson) => lesson.slug);
    const body: ParticipantWorkshopView = {
      code: view.code,
      title: view.title,
      state: view.state,
      startsAt: view.startsAt,
      endsAt: view.endsAt,
      endedAt: workshop.endedAt === null ? null : new Date(workshop.endedAt).toISOString(),
      lessons: ordered.map((slug) => lessons.find((lesson) => lesson.slug === slug) ?? { slug, exercises: 0, passed: 0 }),
    };
    sendJson(res, 200, body);
  });

  // The dashboard: a snapshot on connect, at once when something changes and once more after a burst.
  upgrades.add('/ws/workshops/:code/dashboard', (req, socket, head, params, url) => {
    requireTicket(deps.tickets, url, 'admin', ticketSubject.admin);
    const workshop = workshopOf(params.code as string);
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      const send = () => {
        const progress = workshops.progress(workshop.code);
        const atPrompt = progress.participants.filter((person) => person.state === 'active' && deps.room.atPrompt(person.sessionId));
        const room = { joined: progress.participants.length, atPrompt: atPrompt.length };
        const message: DashboardMessage = { type: 'snapshot', progress, room };
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      };
      const changes = throttle(send, DASHBOARD_WINDOW_MS);
      send();
      const unsubscribe = events.subscribe(`workshop:${workshop.code}`, () => changes.trigger());
      const refresh = setInterval(send, 30_000);
      const stopPings = keepAlive(ws, 30_000);
      ws.on('close', () => {
        unsubscribe();
        clearInterval(refresh);
        changes.stop();
        stopPings();
      });
    });
  });

  // Watching a participant's terminal: read-only, so input from the instructor never reaches the shell.
  upgrades.add('/ws/workshops/:code/participants/:session/terminal', (req, socket, head, params, url) => {
    requireTicket(deps.tickets, url, 'admin', ticketSubject.admin);
    const workshop = workshopOf(params.code as string);
    const participant = workshops.progress(workshop.code).participants.find((p) => p.sessionId === params.session);
    if (!participant) throw new DockhandError('not_found', `no participant ${params.session} in this workshop`);
    const live = deps.sessions.live(participant.sessionId);
    if (!live) throw new DockhandError('session_ended', `${participant.name}'s session has ended`);
    const window = parseTerminalWindow(url.searchParams.get('window'));
    if (!window.ok) throw new DockhandError('bad_request', window.error);
    deps.wss.handleUpgrade(req, socket, head, (ws) =>
      openTerminal(deps.sandboxes, live.sandbox, ws, { window: window.value, readOnly: true }),
    );
  });
}

/**
 * `joinUrl` is on DOCKHAND_PUBLIC_URL when set, else on the scheme and host the instructor reached this
 * server by (HTTPS behind a trusted proxy too).
 */
function workshopView(
  workshop: WorkshopRecord,
  req: IncomingMessage,
  trustedProxies: readonly string[],
  publicUrl: string | undefined,
): WorkshopView {
  const origin = publicUrl ?? `${requestScheme(req, trustedProxies)}://${req.headers.host ?? 'localhost'}`;
  return {
    code: workshop.code,
    title: workshop.title,
    lessons: workshop.lessons,
    startsAt: new Date(workshop.startsAt).toISOString(),
    endsAt: new Date(workshop.endsAt).toISOString(),
    seats: workshop.seats,
    expected: workshop.expected,
    state: workshopState(workshop),
    joinUrl: `${origin}/join/?code=${workshop.code}`,
  };
}

function parseWorkshop(fields: z.output<typeof WorkshopBody>, lessonExists: (slug: string) => boolean): WorkshopInput {
  const unknown = fields.lessons?.find((slug) => !lessonExists(slug));
  // A bad field of the body (400), not a missing resource: unknown_lesson is the 404 of a lesson's own URL.
  if (unknown !== undefined) throw new DockhandError('bad_request', `there is no lesson "${unknown}"`);
  const startsAt = fields.startsAt ?? Date.now();
  const endsAt = fields.endsAt ?? startsAt + DEFAULT_DURATION_MS;
  if (endsAt <= startsAt) throw new DockhandError('bad_request', 'endsAt must be after startsAt');
  if (endsAt - startsAt > 7 * DAY_MS) throw new DockhandError('bad_request', 'a workshop lasts at most 7 days');
  return { title: fields.title, lessons: fields.lessons, startsAt, endsAt, seats: fields.seats, expected: fields.expected };
}
