/**
 * The embedded engine's HTTP API: the same paths and shapes as the API Gateway home (see README.md,
 * HTTP API). Plain `node:http`: one dependency fewer, and nothing between a request and the store.
 * The server itself is in `http/server.ts`; each area registers its routes from its own module.
 */
import type { Server } from 'node:http';
import type { EmbeddedEngine } from './embedded-engine.js';
import { engineRoutes } from './http/engine-routes.js';
import { eventRoutes } from './http/event-routes.js';
import { readBody } from './http/limits.js';
import { Routes } from './http/routes.js';
import { createRoutedServer, limitsOf, serverContext, type HttpServerOptions } from './http/server.js';
import type { Logger } from './logger.js';

export type { HttpServerOptions } from './http/server.js';

export function createHttpServer(engine: EmbeddedEngine, logger: Logger, options: HttpServerOptions = {}): Server {
  const limits = limitsOf(options.limits);
  const context = serverContext(new Routes(), limits, readBody);
  engineRoutes(engine, context);
  eventRoutes(engine, context);
  return createRoutedServer(context.routes, { unrouted: () => engine.unroutedBacklog, storeFailed: (error) => engine.noteStoreFailure(error) }, logger, options, limits);
}
