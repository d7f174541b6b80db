/**
 * The embedded engine's HTTP API: the same paths and shapes as the API Gateway home (see README.md,
 * HTTP API). Plain `node:http`: one dependency fewer, and nothing between a request and the store.
 * The server itself is in `http/server.ts`; each area registers its routes from its own module.
 */
import type { Server } from 'node:http';
import { createConsoleRoute } from './console-route.js';
import type { EmbeddedEngine } from './embedded-engine.js';
import { backtestRoute } from './http/backtest-route.js';
import { engineRoutes } from './http/engine-routes.js';
import { eventRoutes } from './http/event-routes.js';
import { executionActionRoutes } from './http/execution-action-routes.js';
import { readBody } from './http/limits.js';
import { ruleRoutes } from './http/rule-routes.js';
import { serveMetrics } from './http/metrics-route.js';
import { HANDLED, Routes } from './http/routes.js';
import { createRoutedServer, limitsOf, serverContext, type HttpServerOptions as ServerOptions } from './http/server.js';
import { serveEventStream, type EventStreamOptions } from './http/stream-route.js';
import type { Logger } from './logger.js';

export interface HttpServerOptions extends ServerOptions {
  /** `GET /events/stream`: heartbeat and slow-client limits. */
  stream?: EventStreamOptions;
}

export function createHttpServer(engine: EmbeddedEngine, logger: Logger, options: HttpServerOptions = {}): Server {
  const limits = limitsOf(options.limits);
  const context = serverContext(new Routes(), limits, readBody);
  const { routes } = context;
  executionActionRoutes(engine, context);
  engineRoutes(engine, context);
  ruleRoutes(engine, context);
  backtestRoute(engine, context);
  // Registered before the event routes, whose `/events/{id}` would otherwise take `/events/stream`.
  routes.on('GET', '/events/stream', 'events:read', async (request, _params, url, _caller, response) => {
    serveEventStream(engine, request, response, url, { logger, ...options.stream });
    return HANDLED;
  });
  routes.on('GET', '/events/{id}/routing', 'events:read', async (_request, { id }) => ({ status: 200, body: await engine.queries.routing(id as string) }));
  eventRoutes(engine, context);
  routes.on('GET', '/metrics', 'executions:read', async (_request, _params, _url, _caller, response) => {
    await serveMetrics(engine.metrics, response);
    return HANDLED;
  });
  // The console's page, script and stylesheet need no token; every API call it makes does.
  const serveConsole = createConsoleRoute({ onBuilt: (milliseconds) => logger.info('console built', { milliseconds: Math.round(milliseconds) }) });
  const consoleFile = async (request: Parameters<typeof serveConsole>[0], response: Parameters<typeof serveConsole>[1]) =>
    serveConsole(request, response) ? HANDLED : { status: 404, body: { error: 'not_found', message: `No console file ${request.url ?? ''}`, details: [] } };
  for (const path of ['/console', '/console/', '/console/{file}'])
    routes.on('GET', path, 'public', (request, _params, _url, _caller, response) => consoleFile(request, response));
  return createRoutedServer(routes, { unrouted: () => engine.unroutedBacklog, storeFailed: (error) => engine.noteStoreFailure(error) }, logger, options, limits);
}
