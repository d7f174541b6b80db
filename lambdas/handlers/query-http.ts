/**
 * The query Lambda behind API Gateway (REST, Lambda proxy): `GET /events` pages the event store by
 * time, type, source and correlation; `GET /correlations/{correlationId}` answers the timeline.
 * Read-only: it may query the table's indexes and nothing else.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  buildTimeline,
  MAX_QUERY_LIMIT,
  missingTriggerIds,
  NotFoundError,
  parseEventQuery,
  type EngineEvent,
  type EventPage,
  type EventQuery,
  type ExecutionRecord,
} from '../core/index.js';
import { errorAnswer, json, pathParameter } from './api-gateway.js';
import { parseEnv } from './env.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';
import { storeFrom, StoreEnv } from './wiring.js';

/** Pages of stored events, and single events by id (the DynamoDB store's `query` and `get`). */
export interface EventQueries {
  query(query: EventQuery): Promise<EventPage<EngineEvent>>;
  get(id: string): Promise<EngineEvent | undefined>;
}

/**
 * The executions of a correlation. The seam for the State table: until it exists the AWS home
 * answers none, and a timeline holds only events.
 */
export interface CorrelationExecutions {
  byCorrelation(correlationId: string): Promise<ExecutionRecord[]>;
}

/** No executions yet: the AWS home keeps none until the State table exists. */
export const NO_EXECUTIONS: CorrelationExecutions = { byCorrelation: async () => [] };

export interface QueryDeps {
  events: EventQueries;
  executions?: CorrelationExecutions;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: Pick<Metrics, 'addMetric'>;
}

export type QueryHttpHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The query handler without middlewares.
 * @example const answer = await createQueryHandler({ events: store })(apiGatewayEvent)
 */
export function createQueryHandler(deps: QueryDeps): QueryHttpHandler {
  const log = deps.logger ?? sharedLogger;
  const executions = deps.executions ?? NO_EXECUTIONS;

  const listEvents = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
    json(200, await deps.events.query(parseEventQuery(request.queryStringParameters ?? {})));

  const timeline = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const correlationId = pathParameter(request, 'correlationId');
    // One page, as the embedded engine answers: a correlation's first 1,000 events.
    const [{ events }, started] = await Promise.all([
      deps.events.query({ correlationId, limit: MAX_QUERY_LIMIT }),
      executions.byCorrelation(correlationId),
    ]);
    if (events.length === 0 && started.length === 0) throw new NotFoundError(`No events or executions with correlationId "${correlationId}"`);
    // Events that started this correlation's executions without carrying its id belong to the story too.
    const triggers = await Promise.all(missingTriggerIds(events, started).map((id) => deps.events.get(id)));
    return json(200, buildTimeline(correlationId, [...events, ...triggers.filter((e): e is EngineEvent => e !== undefined)], started));
  };

  return async (request) => {
    try {
      if (request.httpMethod === 'GET' && request.resource === '/events') return await listEvents(request);
      if (request.httpMethod === 'GET' && request.resource === '/correlations/{correlationId}') return await timeline(request);
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}

/** The production dependencies, from the environment the `Ingestion` construct sets. */
export function queryDepsFromEnv(env: Record<string, string | undefined> = process.env): QueryDeps {
  const config = parseEnv(StoreEnv, env);
  return { events: storeFrom(config), executions: NO_EXECUTIONS, logger: sharedLogger, metrics: sharedMetrics };
}

// Built on the first invocation, not at import: tests import this module without a Lambda environment.
let wired: QueryHttpHandler | undefined;

/** The Lambda entry point. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>(async (request: APIGatewayProxyEvent) => {
  wired ??= createQueryHandler(queryDepsFromEnv());
  return wired(request);
})
  .use(injectLambdaContext(sharedLogger))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(sharedMetrics, { captureColdStartMetric: true }));
