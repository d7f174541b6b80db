/**
 * The HTTP ingest Lambda behind API Gateway (REST, Lambda proxy): `POST /events` (and any webhook
 * path configured to reach it) takes one event, an array or `{events: [...]}` — CloudEvents
 * included — and stores each once, if the caller may publish its `source`; `GET /events/{id}` reads
 * one back. Wiring only: the envelope, the request shapes and the access policy live in core.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { compileAccessPolicy, OPEN_ACCESS, parseAccessPolicy, type SourceAccess } from '../core/access.js';
import {
  classifyIngestBody,
  eventInputOf,
  ingestBatch,
  ingestEvent,
  liveEnvelope,
  NotFoundError,
  parseJsonBody,
  type EngineEvent,
  type EnvelopeContext,
  type EventStore,
  type IngestDeps,
  type PutResult,
} from '../core/index.js';
import { bodyText, callerOf, errorAnswer, json, pathParameter } from './api-gateway.js';

export { callerOf } from './api-gateway.js';
import { parseEnv } from './env.js';
import { toHttpError } from './http-errors.js';
import { count, type EngineMetrics } from './metric-names.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer as sharedTracer } from './powertools.js';
import { storeFrom, StoreEnv } from './wiring.js';

/** What the ingest handler needs; tests pass their own. */
export interface IngestHttpDeps {
  store: Pick<EventStore, 'put' | 'get'>;
  envelope: EnvelopeContext;
  /** Which sources each caller may publish. Default: any caller API Gateway let in may publish any source. */
  access?: SourceAccess;
  /** Conditional puts in flight at once for a batch. Default 25. */
  batchConcurrency?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: EngineMetrics;
  tracer?: Pick<Tracer, 'putAnnotation'>;
}

export type IngestHttpHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The ingest handler without middlewares.
 * @example const answer = await createIngestHandler({ store, envelope })(apiGatewayEvent)
 */
export function createIngestHandler(deps: IngestHttpDeps): IngestHttpHandler {
  const log = deps.logger ?? sharedLogger;
  const access = deps.access ?? OPEN_ACCESS;

  /** The application's ingest, with this caller's publish check and the handler's log and metrics. */
  const ingestDeps = (caller: ReturnType<typeof callerOf>): IngestDeps => ({
    store: deps.store,
    envelope: deps.envelope,
    admit: (event: EngineEvent) => {
      try {
        access.checkPublish(caller, event.source);
      } catch (error) {
        // An audit entry: who tried to publish what, from where.
        log.warn('publish refused', { audit: 'publish-refused', caller: caller.principals, sourceIp: caller.sourceIp, source: event.source, eventId: event.id, type: event.type });
        throw error;
      }
    },
    onStored: (event: EngineEvent, { id, duplicate }: PutResult) => {
      log.info('event stored', { eventId: id, correlationId: event.correlationId, type: event.type, source: event.source, duplicate });
      count(deps.metrics, duplicate ? 'EventsDuplicate' : 'EventsIngested');
    },
  });

  const postEvents = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const ingest = classifyIngestBody(parseJsonBody(bodyText(request)));
    const caller = callerOf(request);
    if (ingest.kind === 'single') {
      try {
        const { id, duplicate } = await ingestEvent(eventInputOf(ingest.entry), ingestDeps(caller));
        deps.tracer?.putAnnotation('eventId', id);
        return json(202, duplicate ? { id, duplicate: true } : { id });
      } catch (error) {
        const { statusCode } = toHttpError(error);
        if (statusCode < 500) count(deps.metrics, 'EventsRejected');
        if (statusCode === 403) count(deps.metrics, 'EventsForbidden');
        throw error;
      }
    }
    const options = { toInput: eventInputOf, ...(deps.batchConcurrency === undefined ? {} : { concurrency: deps.batchConcurrency }) };
    const answer = await ingestBatch(ingest.entries, ingestDeps(caller), options);
    const refused: Record<string, number> = {};
    for (const result of answer.results) if ('error' in result) refused[result.error] = (refused[result.error] ?? 0) + 1;
    count(deps.metrics, 'EventsRejected', answer.failedCount);
    count(deps.metrics, 'EventsForbidden', refused.forbidden ?? 0);
    log.info('batch ingested', { entries: ingest.entries.length, failedCount: answer.failedCount, refused });
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

/** The access policy the `Ingestion` construct hands over (JSON of core's `AccessPolicy`); unset: open to every authorised caller. */
const AccessEnv = z.object({
  ACCESS_POLICY: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return undefined;
      try {
        return parseAccessPolicy(JSON.parse(text));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `must be the JSON of an access policy (${(error as Error).message})` });
        return z.NEVER;
      }
    }),
});

/** The production dependencies, from the environment the `Ingestion` construct sets. */
export function ingestDepsFromEnv(env: Record<string, string | undefined> = process.env): IngestHttpDeps {
  const config = parseEnv(StoreEnv.extend(AccessEnv.shape), env);
  return {
    store: storeFrom(config),
    envelope: liveEnvelope({ now: () => Date.now() }, randomBytes),
    ...(config.ACCESS_POLICY === undefined ? {} : { access: compileAccessPolicy(config.ACCESS_POLICY) }),
    logger: sharedLogger,
    metrics: sharedMetrics,
    tracer: sharedTracer,
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
  .use(captureLambdaHandler(sharedTracer))
  .use(logMetrics(sharedMetrics, { captureColdStartMetric: true }));
