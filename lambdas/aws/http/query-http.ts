/**
 * The query adapter behind API Gateway (REST, Lambda proxy): `GET /events` pages the event store by
 * time, type, source and correlation; `GET /correlations/{correlationId}` answers the timeline;
 * `GET /executions` and `GET /executions/{name}` read the execution records of the State table.
 * Read-only: it may query the tables' indexes and read execution records, nothing else.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
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
} from '../../core/index.js';
import type { DynamoDbExecutionStore } from '../dynamodb-execution-store.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { errorAnswer, json, pathParameter } from './api-gateway.js';

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
