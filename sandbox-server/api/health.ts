// GET /api/health: is the server up and can sandboxes start; which engine, what the kit and the pool hold.
// While a host problem stops sandboxes it answers 503 with `ok: false` and the problems, so a load
// balancer or a person sees at once that learners would get no sandbox.
import type { HostProblem } from '../host/report.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';

export function addHealthRoute(router: Router, health: () => Promise<{ problems: HostProblem[] } & Record<string, unknown>>): void {
  router.add('GET', '/api/health', async (_req, res) => {
    const { problems, ...rest } = await health();
    const ok = problems.length === 0;
    sendJson(res, ok ? 200 : 503, { ok, problems, ...rest });
  });
}
