// The route of a session's events socket, /ws/sessions/:id/events (the socket itself: events-socket.ts).
// A session waiting in line hears where it stands; a live one hears its sandbox is ready, and while the
// page is open its Engine tab follows the learner's engine and the lesson it names is opened.
import type { WebSocketServer } from 'ws';
import type { Course } from '../course/load.ts';
import type { Lesson } from '../course/types.ts';
import type { EngineViews } from '../engine-view/views.ts';
import type { UpgradeRouter } from '../http/upgrade.ts';
import type { EventBus } from '../sessions/events.ts';
import type { Lobby } from '../sessions/lobby.ts';
import type { LiveSession, Sessions } from '../sessions/sessions.ts';
import type { Tickets } from '../sessions/tickets.ts';
import { requireSessionTicket, requireTicket, ticketSubject } from './auth.ts';
import { findLesson } from './course.ts';
import { openEventsSocket } from './events-socket.ts';

export type EventsRouteDeps = {
  sessions: Sessions;
  lobby: Lobby;
  tickets: Tickets;
  events: EventBus;
  course: Course;
  engineViews: EngineViews;
  wss: WebSocketServer;
  /** Starter files and live checks for a lesson the page opens (`?lesson=`). */
  openLesson(session: LiveSession, lesson: Lesson): Promise<void>;
  log(line: string): void;
};

export function addEventsRoute(upgrades: UpgradeRouter, deps: EventsRouteDeps): void {
  const { sessions, lobby, tickets, events, wss } = deps;
  upgrades.add('/ws/sessions/:id/events', (req, socket, head, params, url) => {
    const id = params.id as string;
    const position = lobby.position(id);
    if (position !== undefined) {
      requireTicket(tickets, url, 'events', ticketSubject.session(id));
      return wss.handleUpgrade(req, socket, head, (ws) => openEventsSocket(ws, id, events, { type: 'queue', position }));
    }
    const session = requireSessionTicket(sessions, tickets, id, url, 'events');
    const slug = url.searchParams.get('lesson');
    const lesson = slug ? findLesson(deps.course, slug) : undefined;
    wss.handleUpgrade(req, socket, head, (ws) => {
      openEventsSocket(ws, id, events, { type: 'sandbox', state: 'ready' });
      // The Engine tab follows the learner's engine while the page is open.
      ws.once('close', deps.engineViews.open(id, session.sandbox));
      if (lesson)
        deps.openLesson(session, lesson).catch((error: Error) => deps.log(`could not open ${lesson.slug} for a session: ${error.message}`));
    });
  });
}
