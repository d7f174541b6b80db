/**
 * The route table of the embedded HTTP API: registering a route is one line naming its method,
 * path, the scope a caller needs (or `public`) and its handler. See docs/security.md for the scopes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller, Scope } from './auth.js';

/** A JSON answer; `headers` are added to `content-type: application/json`. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What a handler returns when it wrote the response itself (a stream, a static file, a text format). */
export const HANDLED = Symbol('handled');

/**
 * A route's handler. `params` are the path's `{placeholders}`, percent-decoded; `caller` is who is
 * calling (the token's name and scopes). A handler that answers with something other than JSON
 * writes to `response` and returns `HANDLED`.
 */
export type Handler = (request: IncomingMessage, params: Record<string, string>, url: URL, caller: Caller, response: ServerResponse) => Promise<HttpAnswer | typeof HANDLED>;

/** `public`: no token needed (health checks); otherwise the scope the caller must hold. */
export type Access = Scope | 'public';

export interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  access: Access;
  handler: Handler;
}

/** The result of matching a request: its route and params, or `405` / `404`. */
export type RouteMatch = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

export class Routes {
  readonly #routes: Route[] = [];

  /**
   * Registers a route. `{name}` in `path` matches one segment; `literal` takes the path as is
   * (webhook endpoints named in the configuration).
   * @example routes.on('GET', '/events/{id}', 'events:read', async (_req, { id }) => ({ status: 200, body: await queries.event(id) }))
   */
  on(method: string, path: string, access: Access, handler: Handler, options: { literal?: boolean } = {}): this {
    const keys: string[] = [];
    const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    const pattern = options.literal
      ? new RegExp(`^${escaped.replace(/[{}]/g, '\\$&')}$`)
      : new RegExp(`^${escaped.replace(/\{(\w+)\}/g, (_, key: string) => (keys.push(key), '([^/]+)'))}$`);
    this.#routes.push({ method, pattern, keys, access, handler });
    return this;
  }

  /**
   * The route for a method and (still percent-encoded) path.
   * @throws URIError when a placeholder's percent-encoding is invalid (the caller answers 400).
   */
  match(method: string, pathname: string): RouteMatch {
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params = Object.fromEntries(route.keys.map((key, i) => [key, decodeURIComponent(match[i + 1] as string)]));
      return { route, params };
    }
    return allowed.length > 0 ? { allowed } : undefined;
  }

  /** The methods some route answers for a path (for `Allow` and CORS preflights). */
  methodsFor(pathname: string): string[] {
    return [...new Set(this.#routes.filter((r) => r.pattern.test(pathname)).map((r) => r.method))];
  }
}
