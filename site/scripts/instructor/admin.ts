// The instructor's admin token: typed once, kept in this browser's localStorage, and sent as a bearer
// token on every instructor call (WebSockets carry it as `?token=`).
import { api, type Session } from '../session.ts';

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
