/**
 * The embedded engine's HTTP API: the same paths and shapes as the API Gateway home (see README.md, HTTP API).
 * Plain `node:http`: one dependency fewer, and nothing between a request and the store.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fromPutEventsEntry, httpErrorOf, MAX_BODY_BYTES, NotFoundError, parseJsonBody, replayJobView, PayloadTooLargeError, ValidationError } from '../core/index.js';
import { createConsoleRoute } from './console-route.js';
import type { EmbeddedEngine } from './embedded-engine.js';
import { serveMetrics } from './http/metrics-route.js';
import { serveEventStream, type EventStreamOptions } from './http/stream-route.js';
import type { Logger } from './logger.js';

/** A route that writes its own answer (a stream, a text format) instead of returning JSON. */
type RawHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => void | Promise<void>;

type Handler = (request: IncomingMessage, params: Record<string, string>, url: URL) => Promise<{ status: number; body: unknown }>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export interface HttpServerOptions {
  /** When set, every request but `GET /health` must carry `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** `GET /events/stream`: heartbeat and slow-client limits. */
  stream?: EventStreamOptions;
}

export function createHttpServer(engine: EmbeddedEngine, logger: Logger, options: HttpServerOptions = {}): Server {
  const routes: Route[] = [];
  const on = (method: string, path: string, handler: Handler, options: { literal?: boolean } = {}): void => {
    const keys: string[] = [];
    const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    const pattern = options.literal
      ? new RegExp(`^${escaped.replace(/[{}]/g, '\\$&')}$`)
      : new RegExp(`^${escaped.replace(/\{(\w+)\}/g, (_, key: string) => (keys.push(key), '([^/]+)'))}$`);
    routes.push({ method, pattern, keys, handler });
  };

  on('GET', '/health', async () => ({
    status: 200,
    body: {
      status: 'ok',
      rules: engine.project.rules.length,
      workflows: engine.project.workflows.size,
      events: engine.events.counts(),
      executionsRunning: engine.runningCount,
    },
  }));

  const ingest: Handler = async (request) => {
    const body = parseJsonBody(await readBody(request));
    return engine.ingestRequest(body);
  };
  on('POST', '/events', ingest);
  // Webhook endpoints the configuration names (`event_sources: - type: webhook`) take events as POST /events does.
  for (const source of engine.project.config?.eventSources ?? []) {
    if (source.type !== 'webhook') continue;
    for (const path of source.endpoints) if (path !== '/events') on('POST', path, ingest, { literal: true });
  }

  const queries = engine.queries;
  const parameters = (url: URL) => Object.fromEntries(url.searchParams);
  on('GET', '/events', async (_request, _params, url) => ({ status: 200, body: await queries.events(parameters(url)) }));
  on('GET', '/correlations/{correlationId}', async (_request, { correlationId }) => ({ status: 200, body: await queries.correlation(correlationId as string) }));

  // The EventBridge PutEvents wire call, so an app's EventBridgeClient can point at the engine unchanged.
  on('POST', '/', async (request) => {
    const target = request.headers['x-amz-target'];
    if (target !== 'AWSEvents.PutEvents') {
      return { status: 400, body: { __type: 'UnknownOperationException', message: `Unsupported operation ${String(target ?? '(none)')}` } };
    }
    try {
      return { status: 200, body: await putEvents(engine, parseJsonBody(await readBody(request))) };
    } catch (error) {
      // The AWS JSON protocol names errors in `__type`; the SDK turns that into a typed exception.
      if (error instanceof ValidationError) return { status: 400, body: { __type: 'ValidationException', message: error.message } };
      throw error;
    }
  });

  on('GET', '/events/{id}/routing', async (_request, { id }) => ({ status: 200, body: await queries.routing(id as string) }));
  on('GET', '/events/{id}', async (_request, { id }) => ({ status: 200, body: await queries.event(id as string) }));
  on('GET', '/executions', async (_request, _params, url) => ({ status: 200, body: await queries.executions(parameters(url)) }));
  on('GET', '/executions/{name}', async (_request, { name }) => ({ status: 200, body: await queries.execution(name as string) }));

  on('POST', '/replays', async (request) => {
    const job = await engine.replay(engine.parseReplay(parseJsonBody(await readBody(request))));
    return { status: 202, body: { replayId: job.replayId } };
  });

  on('GET', '/replays/{replayId}', async (_request, { replayId }) => ({ status: 200, body: replayJobView(engine.replays.stored(replayId as string)) }));

  on('DELETE', '/replays/{replayId}', async (_request, { replayId }) => ({ status: 200, body: replayJobView(await engine.replays.cancel(replayId as string)) }));

  on('GET', '/rules', async () => ({ status: 200, body: { rules: engine.project.rules } }));

  const raw = new Map<string, RawHandler>();
  raw.set('GET /metrics', (_request, response) => serveMetrics(engine.metrics, response));
  raw.set('GET /events/stream', (request, response, url) => serveEventStream(engine, request, response, url, { logger, ...options.stream }));

  const authorised = bearerCheck(options.token);
  const serveConsole = createConsoleRoute({ onBuilt: (milliseconds) => logger.info('console built', { milliseconds: Math.round(milliseconds) }) });
  return createServer((request, response) => {
    if (serveConsole(request, response)) return;
    if (!authorised(request)) {
      request.resume();
      const payload = JSON.stringify({ error: 'unauthorized', message: 'A bearer token is required: Authorization: Bearer <token>', details: [] });
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer', 'content-length': Buffer.byteLength(payload) });
      response.end(payload);
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const rawRoute = raw.get(`${request.method} ${url.pathname}`);
    if (rawRoute !== undefined) void rawRoute(request, response, url);
    else void dispatch(routes, request, response, logger);
  });
}

async function dispatch(routes: readonly Route[], request: IncomingMessage, response: ServerResponse, logger: Logger): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  let answer: { status: number; body: unknown };
  try {
    answer = await handle(routes, request, url);
  } catch (error) {
    const mapped = httpErrorOf(error);
    if (mapped.status >= 500) logger.error('request failed', { method: request.method, path: url.pathname, error: String(error), stack: (error as Error).stack });
    answer = mapped;
  }
  const payload = JSON.stringify(answer.body);
  response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}

async function handle(routes: readonly Route[], request: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(url.pathname);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== request.method) continue;
    const params = Object.fromEntries(route.keys.map((key, i) => [key, decodeURIComponent(match[i + 1] as string)]));
    return route.handler(request, params, url);
  }
  if (pathMatched) return { status: 405, body: { error: 'method_not_allowed', message: `${request.method} is not allowed on ${url.pathname}` } };
  throw new NotFoundError(`No route for ${request.method} ${url.pathname}`);
}

/** Reads the body, refusing more than 6 MB without buffering it all. */
async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    request.resume();
    throw new PayloadTooLargeError(`The body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      request.resume();
      throw new PayloadTooLargeError(`The body exceeds the limit of ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** PutEvents: at most 10 entries, each answered with its EventId or an ErrorCode, as EventBridge does. */
async function putEvents(engine: EmbeddedEngine, body: unknown): Promise<unknown> {
  const entries = (body as { Entries?: unknown })?.Entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
    throw new ValidationError('PutEvents needs Entries: a list of 1 to 10 entries', [{ path: 'Entries', message: 'must hold 1 to 10 entries' }]);
  }
  const { failedCount, results } = await engine.ingestBatch(entries, (entry) => fromPutEventsEntry(entry as Record<string, unknown>));
  return {
    FailedEntryCount: failedCount,
    Entries: results.map((result) => ('id' in result ? { EventId: result.id } : { ErrorCode: 'InvalidArgument', ErrorMessage: result.message })),
  };
}

/** Constant-time comparison of the bearer token; health checks stay open for load balancers. */
function bearerCheck(token: string | undefined): (request: IncomingMessage) => boolean {
  if (!token) return () => true;
  const expected = Buffer.from(`Bearer ${token}`);
  return (request) => {
    if (request.method === 'GET' && request.url === '/health') return true;
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
