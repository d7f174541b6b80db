/**
 * The query Lambda behind API Gateway (REST, Lambda proxy): `GET /events` pages the event store by
 * time, type, source and correlation; `GET /correlations/{correlationId}` answers the timeline;
 * `GET /executions` and `GET /executions/{name}` read the execution records of the State table.
 * Read-only: it may query the tables' indexes and read execution records, nothing else.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { DynamoDbExecutionStore } from '../aws/dynamodb-execution-store.js';
import {
  correlationTimeline,
  NotFoundError,
  parseEventQuery,
  parseExecutionQuery,
  toApiExecution,
  type EngineEvent,
  type EventPage,
  type EventQuery,
  type ExecutionQuery,
  type ExecutionRecord,
} from '../core/index.js';
import { errorAnswer, json, pathParameter } from './api-gateway.js';
import { parseEnv } from './env.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';
import { stateFrom, StateEnv, storeFrom, StoreEnv } from './wiring.js';

/** Pages of stored events, and single events by id (the DynamoDB store's `query` and `get`). */
export interface EventQueries {
  query(query: EventQuery): Promise<EventPage<EngineEvent>>;
  get(id: string): Promise<EngineEvent | undefined>;
}

/** The executions of a correlation, for its timeline. */
export interface CorrelationExecutions {
  byCorrelation(correlationId: string): Promise<ExecutionRecord[]>;
}

/** Execution records as `GET /executions` reads them (the State table's execution store). */
export interface ExecutionQueries extends CorrelationExecutions {
  list(query: ExecutionQuery): Promise<{ executions: ExecutionRecord[]; cursor?: string }>;
  get(name: string): Promise<ExecutionRecord | undefined>;
}

/** No executions: a deployment without a State table keeps none, and a timeline holds only events. */
export const NO_EXECUTIONS: ExecutionQueries = { byCorrelation: async () => [], list: async () => ({ executions: [] }), get: async () => undefined };

/** The execution store in the API's shape: records without their input. */
export function executionQueries(store: Pick<DynamoDbExecutionStore, 'byCorrelation' | 'list' | 'get'>): ExecutionQueries {
  return {
    byCorrelation: (correlationId) => store.byCorrelation(correlationId),
    list: (query) => store.list(query),
    get: async (name) => {
      const execution = await store.get(name);
      return execution === undefined ? undefined : toApiExecution(execution);
    },
  };
}

export interface QueryDeps {
  events: EventQueries;
  /** Only a timeline's executions (CorrelationExecutions), or every execution route (ExecutionQueries). */
  executions?: CorrelationExecutions | ExecutionQueries;
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
    const answer = await correlationTimeline(correlationId, { events: deps.events, executions });
    if (answer.events.length === 0 && answer.executions.length === 0) throw new NotFoundError(`No events or executions with correlationId "${correlationId}"`);
    return json(200, answer);
  };

  const records = (): ExecutionQueries => ('list' in executions ? (executions as ExecutionQueries) : NO_EXECUTIONS);

  const listExecutions = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
    json(200, await records().list(parseExecutionQuery(request.queryStringParameters ?? {})));

  const oneExecution = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const name = pathParameter(request, 'name');
    const execution = await records().get(name);
    if (execution === undefined) throw new NotFoundError(`No execution named "${name}"`);
    return json(200, execution);
  };

  return async (request) => {
    try {
      if (request.httpMethod === 'GET' && request.resource === '/events') return await listEvents(request);
      if (request.httpMethod === 'GET' && request.resource === '/correlations/{correlationId}') return await timeline(request);
      if (request.httpMethod === 'GET' && request.resource === '/executions') return await listExecutions(request);
      if (request.httpMethod === 'GET' && request.resource === '/executions/{name}') return await oneExecution(request);
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}

/** The State table is optional: an `Ingestion` deployed without one answers no executions. */
const QueryEnv = StoreEnv.extend({ STATE_TABLE: StateEnv.shape.STATE_TABLE.optional() });

/** The production dependencies, from the environment the `Ingestion` construct sets. */
export function queryDepsFromEnv(env: Record<string, string | undefined> = process.env): QueryDeps {
  const config = parseEnv(QueryEnv, env);
  const { STATE_TABLE } = config;
  const executions = STATE_TABLE === undefined ? NO_EXECUTIONS : executionQueries(stateFrom({ ...config, STATE_TABLE }).executions);
  return { events: storeFrom(config), executions, logger: sharedLogger, metrics: sharedMetrics };
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
