// A tiny router: "/api/sessions/:id" patterns, one handler per method, 404/405 told apart. The same
// path patterns route WebSocket upgrades (upgrade.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Params = Record<string, string>;
export type Handler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => Promise<void>;
export type PathPattern = { pattern: RegExp; keys: string[] };
type Route = PathPattern & { method: string; handler: Handler };

export type Match = { handler: Handler; params: Params } | { status: 404 | 405; allowed: string[] };

export type Router = {
  add(method: string, path: string, handler: Handler): Router;
  match(method: string, pathname: string): Match;
};

/** ":name" matches one segment; a final "*" matches the rest, kept percent-encoded as params.rest. */
export function compilePath(path: string): PathPattern {
  const keys: string[] = [];
  const source = path
    .split('/')
    .map((part) => {
      if (part === '*') {
        keys.push('rest');
        return '(.*)';
      }
      if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(part.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), keys };
}

export function matchPath(compiled: PathPattern, pathname: string): Params | undefined {
  const found = compiled.pattern.exec(pathname);
  if (!found) return undefined;
  const params: Params = {};
  compiled.keys.forEach((key, index) => {
    const raw = found[index + 1] ?? '';
    params[key] = key === 'rest' ? raw : safeDecode(raw);
  });
  return params;
}

export function createRouter(): Router {
  const routes: Route[] = [];
  const router: Router = {
    add(method, path, handler) {
      routes.push({ ...compilePath(path), method, handler });
      return router;
    },
    match(method, pathname) {
      const allowed: string[] = [];
      for (const route of routes) {
        const params = matchPath(route, pathname);
        if (!params) continue;
        if (route.method === method) return { handler: route.handler, params };
        allowed.push(route.method);
      }
      return allowed.length > 0 ? { status: 405, allowed } : { status: 404, allowed };
    },
  };
  return router;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape ("%zz") matches no id or slug as written: the handler's own 404 says so.
    return text;
  }
}
