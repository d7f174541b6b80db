/**
 * The HTTP ingest Lambda behind API Gateway (REST, Lambda proxy): `POST /events` validates one event
 * and stores it once; `GET /events/{id}` reads one back. Wiring only: the envelope rules live in core.
 */
import { randomBytes } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbEventStore } from '../aws/dynamodb-event-store.js';
import { DEFAULT_RETENTION_DAYS } from '../aws/events-table.js';
import {
  normaliseEvent,
  NotFoundError,
  parseJsonBody,
  ulid,
  type EnvelopeContext,
  type EventStore,
} from '../core/index.js';
import { parseEnv, requiredVar } from './env.js';
import { toHttpError } from './http-errors.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';

/** What the ingest handler needs; tests pass their own. */
export interface IngestDeps {
  store: EventStore;
  envelope: EnvelopeContext;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: Pick<Metrics, 'addMetric'>;
}

export type IngestHttpHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The ingest handler without middlewares.
 * @example const answer = await createIngestHandler({ store, envelope })(apiGatewayEvent)
 */
export function createIngestHandler(deps: IngestDeps): IngestHttpHandler {
  const log = deps.logger ?? sharedLogger;

  const postEvent = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const text = request.isBase64Encoded && request.body !== null ? Buffer.from(request.body, 'base64').toString('utf8') : (request.body ?? '');
    const event = normaliseEvent(parseJsonBody(text), deps.envelope);
    const { id, duplicate } = await deps.store.put(event);
    log.info('event stored', { eventId: id, type: event.type, source: event.source, duplicate });
    deps.metrics?.addMetric(duplicate ? 'EventsDuplicate' : 'EventsIngested', MetricUnit.Count, 1);
    return json(202, duplicate ? { id, duplicate: true } : { id });
  };

  const getEvent = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const id = decodePathParameter(request.pathParameters?.id ?? '');
    const event = id === '' ? undefined : await deps.store.get(id);
    if (event === undefined) throw new NotFoundError(`no event with id "${id}"`);
    return json(200, event);
  };

  return async (request) => {
    try {
      if (request.httpMethod === 'POST' && request.resource === '/events') return await postEvent(request);
      if (request.httpMethod === 'GET' && request.resource === '/events/{id}') return await getEvent(request);
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      const answer = toHttpError(error);
      deps.metrics?.addMetric(answer.unexpected ? 'RequestsFailed' : 'RequestsRefused', MetricUnit.Count, 1);
      if (answer.unexpected) log.error('request failed', { error: error as Error, path: request.path });
      else log.warn('request refused', { statusCode: answer.statusCode, error: answer.body.error, reason: answer.body.message });
      return json(answer.statusCode, answer.body);
    }
  };
}

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

// Event ids never contain `%`, so decoding cannot change a valid id; a malformed escape is left as it came.
function decodePathParameter(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const IngestEnv = z.object({
  EVENTS_TABLE: requiredVar(),
  RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).int().positive().default(DEFAULT_RETENTION_DAYS),
});

/** The production dependencies, from the environment the `Ingestion` construct sets. */
export function ingestDepsFromEnv(env: Record<string, string | undefined> = process.env): IngestDeps {
  const config = parseEnv(IngestEnv, env);
  const client = tracer.captureAWSv3Client(new DynamoDBClient({}));
  return {
    store: new DynamoDbEventStore({ client, tableName: config.EVENTS_TABLE, retentionDays: config.RETENTION_DAYS }),
    envelope: { clock: { now: Date.now }, ids: { newId: (t) => ulid(t, randomBytes(10)) } },
    logger: sharedLogger,
    metrics: sharedMetrics,
  };
}

// Built on the first invocation, not at import: tests import this module without a Lambda environment.
let wired: IngestHttpHandler | undefined;

/** The Lambda entry point. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>(async (request: APIGatewayProxyEvent) => {
  wired ??= createIngestHandler(ingestDepsFromEnv());
  return wired(request);
})
  .use(injectLambdaContext(sharedLogger))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(sharedMetrics, { captureColdStartMetric: true }));
