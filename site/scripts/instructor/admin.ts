// The instructor's admin token: typed once, kept in this browser's localStorage, and sent as a bearer
// token on every instructor call (WebSockets carry a single-use ticket instead, never the token).
import type { TicketView } from '../../../sandbox-server/protocol/sessions.ts';
import { api, type Session } from '../session.ts';
import { withTicket } from '../socket.ts';

const TOKEN_KEY = 'dockhand.admin-token';

export function storedAdminToken(): string | undefined {
  return localStorage.getItem(TOKEN_KEY) || undefined;
}

export function rememberAdminToken(token: string | undefined): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** An instructor call: JSON in and out, a refusal becomes the site's ApiError with the server's sentence. */
export function adminApi<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  // The site's api() only reads the token of the caller it is given.
  const caller: Session = { id: 'instructor', token, idleSeconds: 0 };
  return api<T>(caller, method, path, body);
}

/** The URL of an instructor's WebSocket, with a fresh single-use ticket. */
export function adminSocketUrl(token: string, path: string): Promise<string> {
  return withTicket(path, () => adminApi<TicketView>(token, 'POST', '/api/admin/tickets'));
}
