// Instructor API (admin token required): create, inspect, follow, extend, broadcast to and end
// workshops, export results; plus the dashboard's live socket and read-only terminal views.
import type { IncomingMessage } from 'node:http';
import type { WebSocketServer } from 'ws';
import { readJsonBody } from '../http/body.ts';
import { HttpError } from '../http/errors.ts';
import { keepAlive } from '../http/keepalive.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { UpgradeRouter } from '../http/upgrade.ts';
import type { SandboxBackend } from '../sandboxes/backend.ts';
import type { EventBus } from '../sessions/events.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { hashToken, tokenMatches } from '../sessions/tokens.ts';
import type { WorkshopRecord } from '../store/store.ts';
import { parseTerminalWindow } from '../terminal/protocol.ts';
import { openTerminal } from '../terminal/terminal.ts';
import { normalizeJoinCode } from '../workshops/codes.ts';
import type { WorkshopInput, Workshops } from '../workshops/workshops.ts';
import { bearerToken } from './auth.ts';

export type WorkshopApiDeps = {
  workshops: Workshops;
  sessions: Sessions;
  sandboxes: SandboxBackend;
  events: EventBus;
  wss: WebSocketServer;
  adminToken: string;
  lessonExists: (slug: string) => boolean;
};

const DAY_MS = 24 * 3_600_000;

export function addWorkshopRoutes(router: Router, upgrades: UpgradeRouter, deps: WorkshopApiDeps): void {
  const { workshops, events } = deps;
  const adminHash = hashToken(deps.adminToken);
  const requireAdmin = (token: string | undefined) => {
    if (!tokenMatches(token, adminHash)) throw new HttpError(401, 'missing or wrong admin token');
  };
  const workshopOf = (code: string): WorkshopRecord => {
    const normal = normalizeJoinCode(code);
    const workshop = normal ? workshops.get(normal) : undefined;
    if (!workshop) throw new HttpError(404, `there is no workshop with the code "${code}"`);
    return workshop;
  };
  const body = async (req: IncomingMessage) => {
    const parsed = await readJsonBody(req, 16 * 1024);
    if (!parsed.ok) throw new HttpError(parsed.status, parsed.error);
    if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value))
      throw new HttpError(400, 'the body must be a JSON object');
    return parsed.value as Record<string, unknown>;
  };

  router.add('POST', '/api/workshops', async (req, res) => {
    requireAdmin(bearerToken(req));
    const workshop = workshops.create(parseWorkshop(await body(req), deps.lessonExists));
    sendJson(res, 201, workshopView(workshop, req));
  });

  router.add('GET', '/api/workshops', async (req, res) => {
    requireAdmin(bearerToken(req));
    sendJson(
      res,
      200,
      workshops.list().map((workshop) => workshopView(workshop, req)),
    );
  });

  router.add('GET', '/api/workshops/:code', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    const table = workshops.progress(workshop.code);
    sendJson(res, 200, {
      ...workshopView(workshop, req),
      participants: table.participants.map(({ sessionId, name, state, joinedAt, passed, stuck }) => ({
        sessionId,
        name,
        state,
        joinedAt,
        passed,
        stuck,
      })),
    });
  });

  router.add('GET', '/api/workshops/:code/progress', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    sendJson(res, 200, workshops.progress(workshopOf(params.code as string).code));
  });

  router.add('GET', '/api/workshops/:code/progress.csv', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    const csv = workshops.csv(workshop.code);
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
    const fields = await body(req);
    const minutes = fields.minutes;
    if (!Number.isInteger(minutes) || (minutes as number) < 1 || (minutes as number) > 24 * 60)
      throw new HttpError(400, 'minutes must be a whole number from 1 to 1440');
    if (workshop.endedAt !== null) throw new HttpError(410, 'this workshop has ended; create a new one');
    const extended = workshops.extend(workshop.code, Math.max(workshop.endsAt, Date.now()) + (minutes as number) * 60_000);
    sendJson(res, 200, workshopView(extended, req));
  });

  router.add('POST', '/api/workshops/:code/broadcast', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    const message = (await body(req)).message;
    if (typeof message !== 'string' || message.trim().length === 0 || message.length > 500)
      throw new HttpError(400, 'message must be 1 to 500 characters');
    const active = workshops.progress(workshop.code).participants.filter((participant) => participant.state === 'active');
    for (const participant of active)
      events.publish(participant.sessionId, { type: 'broadcast', message: message.trim(), from: 'instructor' });
    sendJson(res, 200, { delivered: active.length });
  });

  router.add('POST', '/api/workshops/:code/end', async (req, res, params) => {
    requireAdmin(bearerToken(req));
    const workshop = workshopOf(params.code as string);
    const { reaped } = await workshops.end(workshop.code);
    events.publish(`workshop:${workshop.code}`, { type: 'participant', sessionId: '', name: '', state: 'ended' });
    sendJson(res, 200, { ...workshopView(workshopOf(workshop.code), req), reaped });
  });

  // The dashboard: a snapshot on connect and again (debounced) whenever something changes.
  upgrades.add('/ws/workshops/:code/dashboard', (req, socket, head, params, url) => {
    requireAdmin(url.searchParams.get('token') ?? undefined);
    const workshop = workshopOf(params.code as string);
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      const send = () =>
        ws.readyState === ws.OPEN && ws.send(JSON.stringify({ type: 'snapshot', progress: workshops.progress(workshop.code) }));
      let timer: NodeJS.Timeout | undefined;
      const changed = () => {
        clearTimeout(timer);
        timer = setTimeout(send, 200);
      };
      send();
      const unsubscribe = events.subscribe(`workshop:${workshop.code}`, changed);
      const refresh = setInterval(send, 30_000);
      const stopPings = keepAlive(ws, 30_000);
      ws.on('close', () => {
        unsubscribe();
        clearInterval(refresh);
        clearTimeout(timer);
        stopPings();
      });
    });
  });

  // Watching a participant's terminal: read-only, so input from the instructor never reaches the shell.
  upgrades.add('/ws/workshops/:code/participants/:session/terminal', (req, socket, head, params, url) => {
    requireAdmin(url.searchParams.get('token') ?? undefined);
    const workshop = workshopOf(params.code as string);
    const participant = workshops.progress(workshop.code).participants.find((p) => p.sessionId === params.session);
    if (!participant) throw new HttpError(404, `no participant ${params.session} in this workshop`);
    const live = deps.sessions.live(participant.sessionId);
    if (!live) throw new HttpError(410, `${participant.name}'s session has ended`);
    const window = parseTerminalWindow(url.searchParams.get('window'));
    if (!window.ok) throw new HttpError(400, window.error);
    deps.wss.handleUpgrade(req, socket, head, (ws) =>
      openTerminal(deps.sandboxes, live.sandbox, ws, { window: window.value, readOnly: true }),
    );
  });
}

function workshopView(workshop: WorkshopRecord, req: IncomingMessage) {
  const origin = `http://${req.headers.host ?? 'localhost'}`;
  return {
    code: workshop.code,
    title: workshop.title,
    lessons: workshop.lessons,
    startsAt: new Date(workshop.startsAt).toISOString(),
    endsAt: new Date(workshop.endsAt).toISOString(),
    seats: workshop.seats,
    expected: workshop.expected,
    state: workshop.endedAt !== null || workshop.endsAt <= Date.now() ? 'ended' : workshop.startsAt > Date.now() ? 'scheduled' : 'running',
    joinUrl: `${origin}/join/?code=${workshop.code}`,
  };
}

export function parseWorkshop(fields: Record<string, unknown>, lessonExists: (slug: string) => boolean): WorkshopInput {
  const allowed = ['title', 'lessons', 'startsAt', 'endsAt', 'seats', 'expected'];
  for (const key of Object.keys(fields))
    if (!allowed.includes(key)) throw new HttpError(400, `unknown field "${key}" (allowed: ${allowed.join(', ')})`);
  const title = fields.title;
  if (typeof title !== 'string' || title.trim().length === 0 || title.length > 120)
    throw new HttpError(400, 'title must be 1 to 120 characters');
  let lessons: string[] | null = null;
  if (fields.lessons !== undefined && fields.lessons !== null) {
    if (!Array.isArray(fields.lessons) || !fields.lessons.every((slug) => typeof slug === 'string'))
      throw new HttpError(400, 'lessons must be a list of lesson slugs');
    const unknown = (fields.lessons as string[]).find((slug) => !lessonExists(slug));
    if (unknown !== undefined) throw new HttpError(400, `there is no lesson "${unknown}"`);
    lessons = fields.lessons as string[];
  }
  const startsAt = optionalTime(fields.startsAt, 'startsAt') ?? Date.now();
  const endsAt = optionalTime(fields.endsAt, 'endsAt') ?? startsAt + 3 * 3_600_000;
  if (endsAt <= startsAt) throw new HttpError(400, 'endsAt must be after startsAt');
  if (endsAt - startsAt > 7 * DAY_MS) throw new HttpError(400, 'a workshop lasts at most 7 days');
  return {
    title: title.trim(),
    lessons,
    startsAt,
    endsAt,
    seats: optionalCount(fields.seats, 'seats'),
    expected: optionalCount(fields.expected, 'expected'),
  };
}

function optionalTime(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new HttpError(400, `${name} must be a date and time such as "2026-11-25T14:00:00Z"`);
  return time;
}

function optionalCount(value: unknown, name: string): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 1000)
    throw new HttpError(400, `${name} must be a whole number from 1 to 1000`);
  return value as number;
}
