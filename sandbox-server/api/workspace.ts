// The terminal socket and the file API of a session, joined to its sandbox. Typing and saving count as
// activity (idle timeout) and make the live checker look again.

import type { WebSocketServer } from 'ws';
import type { Checker } from '../checks/checker.ts';
import { DockhandError } from '../errors.ts';
import type { Handler, Router } from '../http/router.ts';
import type { UpgradeRouter } from '../http/upgrade.ts';
import { parseTerminalWindow } from '../protocol/terminal.ts';
import type { SandboxBackend } from '../sandboxes/backend.ts';
import type { LiveSession, Sessions } from '../sessions/sessions.ts';
import type { Tickets } from '../sessions/tickets.ts';
import { openTerminal } from '../terminal/terminal.ts';
import { bearerToken, requireSession, requireSessionTicket } from './auth.ts';
import { handleFilesRequest } from './files.ts';
import type { SandboxCallLimit } from './sandbox-calls.ts';

export type WorkspaceDeps = {
  sessions: Sessions;
  sandboxes: SandboxBackend;
  checker: Checker;
  wss: WebSocketServer;
  tickets: Tickets;
  limitCalls: SandboxCallLimit;
  /** A learner's own terminal connected (the room's projector counts who reached a prompt). */
  onTerminal?: (session: LiveSession) => void;
};

export function addWorkspaceRoutes(router: Router, upgrades: UpgradeRouter, deps: WorkspaceDeps): void {
  const { sessions, sandboxes, checker, wss } = deps;

  const files: Handler = async (req, res, params) => {
    const session = requireSession(sessions, params.id as string, bearerToken(req));
    deps.limitCalls(session.record.id);
    await handleFilesRequest(req, res, { backend: sandboxes, sandbox: session.sandbox, rest: params.rest ?? '' });
    if (req.method === 'PUT' || req.method === 'POST') checker.nudge(session.record.id);
  };
  for (const method of ['GET', 'PUT', 'POST']) {
    router.add(method, '/api/sessions/:id/files', files);
    router.add(method, '/api/sessions/:id/files/*', files);
  }

  upgrades.add('/ws/sessions/:id/terminal', (req, socket, head, params, url) => {
    const id = params.id as string;
    const session = requireSessionTicket(sessions, deps.tickets, id, url, 'terminal');
    deps.limitCalls(id);
    const window = parseTerminalWindow(url.searchParams.get('window'));
    if (!window.ok) throw new DockhandError('bad_request', window.error);
    wss.handleUpgrade(req, socket, head, (ws) => {
      deps.onTerminal?.(session);
      openTerminal(sandboxes, session.sandbox, ws, {
        window: window.value,
        readOnly: false,
        onInput: () => {
          sessions.activity(id);
          checker.nudge(id);
        },
      });
    });
  });
}
