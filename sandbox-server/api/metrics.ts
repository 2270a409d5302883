// GET /api/metrics: Prometheus text format for operators, behind the instructor's admin token.

import type { Router } from '../http/router.ts';
import type { Metrics } from '../metrics.ts';
import { adminGuard, bearerToken } from './auth.ts';

export function addMetricsRoute(router: Router, deps: { metrics: Metrics; adminToken: string }): void {
  const requireAdmin = adminGuard(deps.adminToken);
  router.add('GET', '/api/metrics', async (req, res) => {
    requireAdmin(bearerToken(req));
    const text = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
  });
}
