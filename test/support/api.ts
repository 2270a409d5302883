// Small helpers for talking to a running Dockhand in tests.
import WebSocket from 'ws';

export type Created = { id: string; token: string; warm: boolean; sandbox: { id: string }; workshopLessons?: string[] };

export async function api(base: string, method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (method !== 'GET') headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function createSession(base: string, body: unknown = {}): Promise<Created> {
  const { status, body: created } = await api(base, 'POST', '/api/sessions', { body });
  if (status !== 201) throw new Error(`POST /api/sessions answered ${status}: ${JSON.stringify(created)}`);
  return created as unknown as Created;
}

/** Asks for a single-use ticket with the bearer token; `issuer` is the tickets endpoint. */
async function ticketUrl(base: string, issuer: string, token: string, path: string): Promise<string> {
  const { status, body } = await api(base, 'POST', issuer, { token });
  if (status !== 201) throw new Error(`POST ${issuer} answered ${status}: ${JSON.stringify(body)}`);
  return `${base.replace(/^http/, 'ws')}${path}${path.includes('?') ? '&' : '?'}ticket=${body.ticket}`;
}

/** The URL of one of a session's WebSockets, with a fresh ticket, as the site builds it. */
export function sessionSocketUrl(base: string, id: string, token: string, path: string): Promise<string> {
  return ticketUrl(base, `/api/sessions/${id}/tickets`, token, path);
}

/** The URL of an instructor's WebSocket, with a fresh ticket. */
export function adminSocketUrl(base: string, adminToken: string, path: string): Promise<string> {
  return ticketUrl(base, '/api/admin/tickets', adminToken, path);
}

/** Collects JSON messages from an events socket. */
export async function openEvents(base: string, id: string, token: string, lesson?: string) {
  const query = lesson ? `?lesson=${lesson}` : '';
  const ws = new WebSocket(await sessionSocketUrl(base, id, token, `/ws/sessions/${id}/events${query}`));
  const messages: Record<string, unknown>[] = [];
  const waiters: { test: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.test(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  return {
    ws,
    messages,
    next(test: (m: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
      const seen = messages.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(messages)}`)),
          timeoutMs,
        );
        waiters.push({
          test,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
  };
}

/** The HTTP status with which a WebSocket upgrade was refused (or 101 when it opened). */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', reject);
  });
}
