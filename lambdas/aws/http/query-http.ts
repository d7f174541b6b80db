/**
 * The query adapter behind API Gateway (REST, Lambda proxy): `GET /events` pages the event store by
 * time, type, source and correlation; `GET /events/{id}` reads one event; `GET /correlations/{correlationId}` answers the timeline;
 * `GET /executions` and `GET /executions/{name}` read the execution records of the State table.
 * Read-only: it may query the tables' indexes and read execution records, nothing else.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { EngineQueries, NO_EXECUTIONS, NotFoundError, type EngineQueriesDeps } from '../../core/index.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import type { ExecutionArnOf } from '../execution-arn.js';
import { errorAnswer, json, pathParameter } from './api-gateway.js';

export interface QueryDeps {
  events: EngineQueriesDeps['events'];
  /** The State table's execution records; without them a timeline holds only events. */
  executions?: EngineQueriesDeps['executions'];
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: Pick<Metrics, 'addMetric'>;
  /** The Step Functions execution ARN of a record, added to `GET /executions/{name}` (the console links to it). */
  executionArnOf?: ExecutionArnOf;
}

export type QueryHttpHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The query handler without middlewares.
 * @example const answer = await createQueryHandler({ events: store })(apiGatewayEvent)
 */
export function createQueryHandler(deps: QueryDeps): QueryHttpHandler {
  const log = deps.logger ?? sharedLogger;
  const queries = new EngineQueries({ events: deps.events, executions: deps.executions ?? NO_EXECUTIONS });
  const parameters = (request: APIGatewayProxyEvent) => request.queryStringParameters ?? {};

  return async (request) => {
    try {
      if (request.httpMethod === 'GET' && request.resource === '/events') return json(200, await queries.events(parameters(request)));
      if (request.httpMethod === 'GET' && request.resource === '/events/{id}') return json(200, await queries.event(pathParameter(request, 'id')));
      if (request.httpMethod === 'GET' && request.resource === '/correlations/{correlationId}')
        return json(200, await queries.correlation(pathParameter(request, 'correlationId'), parameters(request) as Record<string, string>));
      if (request.httpMethod === 'GET' && request.resource === '/executions') return json(200, await queries.executions(parameters(request)));
      if (request.httpMethod === 'GET' && request.resource === '/executions/{name}') {
        const execution = await queries.execution(pathParameter(request, 'name'));
        const executionArn = deps.executionArnOf?.(execution.workflowId, execution.name);
        return json(200, executionArn === undefined ? execution : { ...execution, executionArn });
      }
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}
