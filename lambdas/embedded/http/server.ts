/**
 * The embedded engine's HTTP server: `node:http` with every request going the same way — target
 * parsed, browser guards, load shedding, the route, its scope, its content type, the handler — and
 * every refusal, Node's own included, answered in the API's JSON error shape.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { httpErrorOf, type HttpErrorBody } from '../../core/index.js';
import type { Logger } from '../logger.js';
import { createAuthenticator, requireScope, type Authenticator, type Caller, type TokenEntry } from './auth.js';
import { browserGuards, contentTypeRefusal, preflightHeaders, type Refusal } from './guards.js';
import { BytesInFlight, DEFAULT_LIMITS, HttpStatusError, overloaded, type HttpLimits } from './limits.js';
import { HANDLED, type HttpAnswer, type Routes } from './routes.js';

export interface HttpServerOptions {
  /** One token with every scope (`--token`). */
  token?: string | undefined;
  /** Named tokens with scopes (`--tokens FILE`). */
  tokens?: readonly TokenEntry[];
  /** The address the server will listen on; bound to loopback, other `Host` names are refused. Default `127.0.0.1`. */
  host?: string;
  /** Origins a browser may call from (`--cors`); `*` for any. */
  cors?: readonly string[];
  limits?: Partial<HttpLimits>;
}

/** What the server needs to know about the engine beyond its routes. */
export interface ServerProbe {
  /** Stored events not yet routed: writes are shed above `limits.maxUnrouted`. */
  unrouted(): number;
  /** Told of a store failure a request met (health turns degraded). */
  storeFailed(error: unknown): void;
}

/** Everything a route module needs to register its routes and read the request. */
export interface ServerContext {
  routes: Routes;
  limits: HttpLimits;
  /** Reads the body as text within the limits. */
  readBody(request: IncomingMessage): Promise<string>;
}

type Answer = HttpAnswer | typeof HANDLED;

const errorAnswer = (status: number, error: string, message: string, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  body: { error, message, details: [] } satisfies HttpErrorBody,
  headers,
});
const refusal = (r: Refusal): HttpAnswer => errorAnswer(r.status, r.error, r.message);

/** Creates the server over a filled route table; the caller listens. */
export function createRoutedServer(routes: Routes, probe: ServerProbe, logger: Logger, options: HttpServerOptions, limits: HttpLimits): Server {
  const auth: Authenticator = createAuthenticator({ token: options.token, tokens: options.tokens ?? [] });
  const guards = browserGuards(options.host ?? '127.0.0.1', options.cors ?? []);
  const writesShed = (): HttpAnswer | undefined => {
    const backlog = probe.unrouted();
    if (backlog <= limits.maxUnrouted) return undefined;
    const error = overloaded(`${backlog} stored events are waiting to be routed (limit ${limits.maxUnrouted}); retry shortly`, limits.retryAfterSeconds);
    return errorAnswer(error.status, error.code, error.message, error.headers);
  };

  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<{ answer: Answer; path: string }> => {
    const target = request.url ?? '/';
    let url: URL;
    try {
      if (!target.startsWith('/') || target.startsWith('//')) throw new TypeError('not an origin-form target');
      url = new URL(target, 'http://localhost');
    } catch {
      return { answer: errorAnswer(400, 'bad_request', `The request target ${JSON.stringify(target.slice(0, 200))} is not a path`), path: '(invalid)' };
    }
    const path = url.pathname;
    const early = guards.hostRefusal(request) ?? guards.originRefusal(request);
    if (early) return { answer: refusal(early), path };
    const origin = guards.allowedOrigin(request);
    if (request.method === 'OPTIONS') {
      const methods = routes.methodsFor(path);
      if (methods.length === 0) return { answer: errorAnswer(404, 'not_found', `No route for ${path}`), path };
      return { answer: { status: 204, body: undefined, headers: { allow: methods.join(', '), ...(origin ? preflightHeaders(origin, methods) : {}) } }, path };
    }
    let match: ReturnType<Routes['match']>;
    try {
      match = routes.match(request.method ?? 'GET', path);
    } catch {
      return { answer: errorAnswer(400, 'bad_request', `The path ${JSON.stringify(path.slice(0, 200))} holds an invalid percent-encoding`), path };
    }
    if (match === undefined) return { answer: errorAnswer(404, 'not_found', `No route for ${request.method} ${path}`), path };
    if ('allowed' in match) {
      return { answer: errorAnswer(405, 'method_not_allowed', `${request.method} is not allowed on ${path}`, { allow: match.allowed.join(', ') }), path };
    }
    const { route, params } = match;
    const caller: Caller = auth.authenticate(request) ?? NOBODY;
    if (route.access !== 'public') {
      if (caller === NOBODY) {
        return { answer: errorAnswer(401, 'unauthorized', 'A bearer token is required: Authorization: Bearer <token>', { 'www-authenticate': 'Bearer' }), path };
      }
      requireScope(caller, route.access);
    }
    const unsupported = contentTypeRefusal(request);
    if (unsupported) return { answer: refusal(unsupported), path };
    if (route.access === 'events:write') {
      const shed = writesShed();
      if (shed) return { answer: shed, path };
    }
    return { answer: await route.handler(request, params, url, caller, response), path };
  };

  const server = createServer((request, response) => {
    const origin = guards.allowedOrigin(request);
    void answer(request, response)
      .catch((error: unknown) => ({ answer: fromError(error, request, logger, probe), path: request.url ?? '' }))
      .then(({ answer: result }) => {
        if (result === HANDLED) return;
        // Whatever the handler left unread is drained, so the connection can be reused or closed cleanly.
        if (!request.complete) request.resume();
        send(response, result, origin);
      });
  });
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  // Node's own refusals (malformed requests, oversized headers, timeouts) in the API's JSON shape.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.bytesRead)) {
      socket.destroy();
      return;
    }
    const [status, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request_header_fields_too_large', 'The request headers are too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', `The request did not arrive within ${limits.requestTimeoutMs / 1000} s`]
          : [400, 'bad_request', 'The request is not valid HTTP'];
    const payload = JSON.stringify({ error: code, message, details: [] });
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`);
  });
  return server;
}

/** The caller of a request without a (valid) token: no scopes. */
const NOBODY: Caller = { name: '(none)', scopes: new Set() };

/**
 * SQLite failures that are the store's state, not the request's fault: locked by another process,
 * read-only, full, an I/O error. The request may succeed later (503), and health turns degraded.
 */
const STORE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|READONLY|FULL|IOERR|CANTOPEN|PROTOCOL)/;

/** The answer for an error a handler threw: 4xx for the client's mistakes, 503 with `Retry-After` for load, 500 (logged) otherwise. */
function fromError(error: unknown, request: IncomingMessage, logger: Logger, probe: ServerProbe): HttpAnswer {
  if (error instanceof HttpStatusError) return errorAnswer(error.status, error.code, error.message, error.headers);
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && STORE_UNAVAILABLE.test(code)) {
    probe.storeFailed(error);
    logger.warn('the store is unavailable', { method: request.method, path: request.url, code, error: String(error) });
    return errorAnswer(503, 'unavailable', `The store is unavailable (${code}); retry shortly`, { 'retry-after': '1' });
  }
  const mapped = httpErrorOf(error);
  if (mapped.status >= 500) logger.error('request failed', { method: request.method, path: request.url, error: String(error), stack: (error as Error).stack });
  return mapped.status === 503 ? { ...mapped, headers: { 'retry-after': '1' } } : mapped;
}

function send(response: ServerResponse, answer: HttpAnswer, corsOrigin: string | undefined): void {
  if (response.headersSent) return void response.end();
  const headers: Record<string, string | number> = { ...answer.headers };
  if (corsOrigin) Object.assign(headers, { 'access-control-allow-origin': corsOrigin, vary: 'Origin' });
  if (answer.body === undefined) {
    response.writeHead(answer.status, headers);
    response.end();
    return;
  }
  const payload = JSON.stringify(answer.body);
  response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  response.end(payload);
}

/** The limits with the defaults filled in. */
export const limitsOf = (given: Partial<HttpLimits> = {}): HttpLimits => ({ ...DEFAULT_LIMITS, ...given });

/** A context for route modules: the table, the limits and a body reader sharing one byte budget. */
export function serverContext(
  routes: Routes,
  limits: HttpLimits,
  readBody: (request: IncomingMessage, budget: BytesInFlight, l: HttpLimits) => Promise<string>,
): ServerContext {
  const budget = new BytesInFlight(limits.maxBytesInFlight);
  return { routes, limits, readBody: (request) => readBody(request, budget, limits) };
}
