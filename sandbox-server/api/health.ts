// GET /api/health: is the server up and can sandboxes start; with the admin token, also which engine,
// what the kit and the pool hold. While a host problem stops sandboxes it answers 503 with `ok: false`
// and the problems, so a load balancer or a person sees at once that learners would get no sandbox.
// Versions and the mirror's address help whoever attacks the host more than whoever visits it.
import type { HostProblem } from '../host/report.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import { adminCheck, bearerToken } from './auth.ts';

export function addHealthRoute(
  router: Router,
  health: { problems: () => HostProblem[]; details: () => Promise<Record<string, unknown>> },
  adminToken: string,
): void {
  const isAdmin = adminCheck(adminToken);
  router.add('GET', '/api/health', async (req, res) => {
    const problems = health.problems();
    const ok = problems.length === 0;
    // Asked only for the instructor: details cost a call to the host's engine.
    const details = isAdmin(bearerToken(req)) ? await health.details() : {};
    sendJson(res, ok ? 200 : 503, { ok, problems, ...details });
  });
}
