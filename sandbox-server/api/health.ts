// GET /api/health: is the server up, which engine, what the image kit and the pool hold.
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';

export function addHealthRoute(router: Router, health: () => Promise<unknown>): void {
  router.add('GET', '/api/health', async (_req, res) => sendJson(res, 200, await health()));
}
