// GET /api/sessions/:id/ports: ports that the learner's containers publish, as preview links.
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { SandboxService } from '../sandboxes/service.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { bearerToken, requireSession } from './auth.ts';

export type PublishedPort = { port: number; container: string; url: string };

export function addPortRoutes(router: Router, deps: { sessions: Sessions; sandboxes: SandboxService }): void {
  router.add('GET', '/api/sessions/:id/ports', async (req, res, params) => {
    const session = requireSession(deps.sessions, params.id as string, bearerToken(req), { touch: false });
    const containers = await deps.sandboxes.inner(session.sandbox).listContainers();
    const seen = new Set<number>();
    const ports: PublishedPort[] = [];
    for (const container of containers) {
      for (const binding of container.Ports) {
        if (!binding.PublicPort || binding.Type !== 'tcp' || seen.has(binding.PublicPort)) continue;
        seen.add(binding.PublicPort);
        ports.push({
          port: binding.PublicPort,
          container: (container.Names[0] ?? container.Id).replace(/^\//, ''),
          url: `/sessions/${session.record.id}/preview/${binding.PublicPort}/`,
        });
      }
    }
    sendJson(res, 200, { ports: ports.sort((a, b) => a.port - b.port) });
  });
}
