/**
 * The HTTP ingest Lambda behind API Gateway (REST, Lambda proxy): `POST /events` (and any webhook
 * path configured to reach it) takes one event, an array or `{events: [...]}` — CloudEvents
 * included — and stores each once; `GET /events/{id}` reads one back. Wiring only: the envelope
 * and the request shapes live in core, shared with the embedded engine.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  classifyIngestBody,
  eventInputOf,
  normaliseEvent,
  NotFoundError,
  parseJsonBody,
  type EnvelopeContext,
  type EventStore,
} from '../core/index.js';
import { bodyText, errorAnswer, json, pathParameter } from './api-gateway.js';
import { parseEnv } from './env.js';
import { ingestBatch } from './ingest-batch.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';
import { liveEnvelope, storeFrom, StoreEnv } from './wiring.js';

/** What the ingest handler needs; tests pass their own. */
export interface IngestDeps {
  store: EventStore;
  envelope: EnvelopeContext;
  /** Conditional puts in flight at once for a batch. Default 25. */
  batchConcurrency?: number;
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

  const ingestOne = async (entry: unknown): Promise<{ id: string; duplicate: boolean }> => {
    const event = normaliseEvent(eventInputOf(entry), deps.envelope);
    const { id, duplicate } = await deps.store.put(event);
    log.info('event stored', { eventId: id, type: event.type, source: event.source, duplicate });
    deps.metrics?.addMetric(duplicate ? 'EventsDuplicate' : 'EventsIngested', MetricUnit.Count, 1);
    return { id, duplicate };
  };

  const postEvents = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const ingest = classifyIngestBody(parseJsonBody(bodyText(request)));
    if (ingest.kind === 'single') {
      const { id, duplicate } = await ingestOne(ingest.entry);
      return json(202, duplicate ? { id, duplicate: true } : { id });
    }
    const answer = await ingestBatch(ingest.entries, ingestOne, deps.batchConcurrency);
    deps.metrics?.addMetric('EventsRefused', MetricUnit.Count, answer.failedCount);
    log.info('batch ingested', { entries: ingest.entries.length, failedCount: answer.failedCount });
    return json(200, answer);
  };

  const getEvent = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const id = pathParameter(request, 'id');
    const event = id === '' ? undefined : await deps.store.get(id);
    if (event === undefined) throw new NotFoundError(`no event with id "${id}"`);
    return json(200, event);
  };

  return async (request) => {
    try {
      // API Gateway routes only the configured resources here: POST on /events and on each webhook path.
      if (request.httpMethod === 'POST') return await postEvents(request);
      if (request.httpMethod === 'GET' && request.resource === '/events/{id}') return await getEvent(request);
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}

/** The production dependencies, from the environment the `Ingestion` construct sets. */
export function ingestDepsFromEnv(env: Record<string, string | undefined> = process.env): IngestDeps {
  const config = parseEnv(StoreEnv, env);
  return { store: storeFrom(config), envelope: liveEnvelope(), logger: sharedLogger, metrics: sharedMetrics };
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
