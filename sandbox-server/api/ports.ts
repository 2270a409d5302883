// GET /api/sessions/:id/ports: ports that the learner's containers publish, as preview links.

import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { SandboxBackend } from '../sandboxes/backend.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { bearerToken, requireSession } from './auth.ts';
import type { PreviewOrigin } from './preview.ts';
import type { SandboxCallLimit } from './sandbox-calls.ts';

export type PublishedPort = { port: number; container: string; url: string };

export function addPortRoutes(
  router: Router,
  deps: { sessions: Sessions; sandboxes: SandboxBackend; previewOrigin: PreviewOrigin; limitCalls: SandboxCallLimit },
): void {
  router.add('GET', '/api/sessions/:id/ports', async (req, res, params) => {
    const session = requireSession(deps.sessions, params.id as string, bearerToken(req), { touch: false });
    deps.limitCalls(session.record.id);
    const ports: PublishedPort[] = (await deps.sandboxes.publishedPorts(session.sandbox)).map(({ port, container }) => ({
      port,
      container,
      url: `${deps.previewOrigin(req, session.record.id)}/sessions/${session.record.id}/preview/${port}/`,
    }));
    sendJson(res, 200, { ports: ports.sort((a, b) => a.port - b.port) });
  });
}
