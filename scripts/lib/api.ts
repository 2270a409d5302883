// Small helpers for talking to a running Dockhand in tests.
import WebSocket from 'ws';
import type { SessionTicketPurpose } from '../../sandbox-server/protocol/sessions.ts';

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

/** A single-use ticket for one of a session's doors, asked for with its bearer token. */
export async function sessionTicket(base: string, id: string, token: string, purpose: SessionTicketPurpose): Promise<string> {
  return ticketFrom(base, `/api/sessions/${id}/tickets`, token, { purpose });
}

async function ticketFrom(base: string, issuer: string, token: string, body?: unknown): Promise<string> {
  const { status, body: answer } = await api(base, 'POST', issuer, { token, body });
  if (status !== 201) throw new Error(`POST ${issuer} answered ${status}: ${JSON.stringify(answer)}`);
  return answer.ticket as string;
}

function withTicket(base: string, path: string, ticket: string): string {
  return `${base.replace(/^http/, 'ws')}${path}${path.includes('?') ? '&' : '?'}ticket=${ticket}`;
}

/** The URL of a session's terminal or events socket, with a fresh ticket for it, as the site builds it. */
export async function sessionSocketUrl(base: string, id: string, token: string, path: string): Promise<string> {
  const purpose = /^\/ws\/sessions\/[^/]+\/terminal/.test(path) ? 'terminal' : 'events';
  return withTicket(base, path, await sessionTicket(base, id, token, purpose));
}

/** The URL of an instructor's WebSocket, with a fresh ticket. */
export async function adminSocketUrl(base: string, adminToken: string, path: string): Promise<string> {
  return withTicket(base, path, await ticketFrom(base, '/api/admin/tickets', adminToken));
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
