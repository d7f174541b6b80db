/**
 * The HTTP ingest adapter behind API Gateway (REST, Lambda proxy): `POST /events` (and any webhook
 * path configured to reach it) takes one event, an array or `{events: [...]}` — CloudEvents
 * included — and stores each once, if the caller may publish its `source`; `GET /events/{id}` reads
 * one back. The envelope, the request shapes and the access policy live in core.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OPEN_ACCESS, type SourceAccess } from '../../core/access.js';
import {
  EngineQueries,
  ingestRequest,
  NO_EXECUTIONS,
  NotFoundError,
  parseJsonBody,
  type EngineEvent,
  type EnvelopeContext,
  type EventStore,
  type FastPath,
  type IngestDeps,
  type IngestRequestAnswer,
  type PutResult,
} from '../../core/index.js';
import { emitCount, type PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { bodyText, callerOf, errorAnswer, json, pathParameter } from './api-gateway.js';
import { toHttpError } from './http-errors.js';

/** What the ingest handler needs; tests pass their own. */
export interface IngestHttpDeps {
  store: Pick<EventStore, 'put' | 'get'>;
  envelope: EnvelopeContext;
  /** Which sources each caller may publish. Default: any caller API Gateway let in may publish any source. */
  access?: SourceAccess;
  /** Conditional puts in flight at once for a batch. Default 25. */
  batchConcurrency?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
  tracer?: Pick<Tracer, 'putAnnotation'>;
  /**
   * Starts the new events' workflows before answering (docs/capacity.md, "The fast path"); never
   * fails the request. Without it, the stream's router starts them.
   */
  fastPath?: Pick<FastPath, 'run'>;
  /** Seals the configured sensitive fields before the put (`event_sourcing.encrypt`). */
  fields?: IngestDeps['fields'];
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
  const ingestDeps = (caller: ReturnType<typeof callerOf>, stored: EngineEvent[]): IngestDeps => ({
    store: deps.store,
    envelope: deps.envelope,
    ...(deps.fields === undefined ? {} : { fields: deps.fields }),
    admit: (event: EngineEvent) => {
      try {
        access.checkPublish(caller, event.source);
      } catch (error) {
        // An audit entry: who tried to publish what, from where.
        log.warn('publish refused', {
          audit: 'publish-refused',
          caller: caller.principals,
          sourceIp: caller.sourceIp,
          source: event.source,
          eventId: event.id,
          type: event.type,
        });
        throw error;
      }
    },
    onStored: (event: EngineEvent, { id, duplicate }: PutResult) => {
      log.info('event stored', { eventId: id, correlationId: event.correlationId, type: event.type, source: event.source, duplicate });
      emitCount(deps.metrics, duplicate ? 'EventsDuplicate' : 'EventsIngested');
      // A duplicate's starts were its first ingest's business (and the stream's, which saw its put).
      if (!duplicate) stored.push(event);
    },
  });

  const postEvents = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const options = deps.batchConcurrency === undefined ? {} : { concurrency: deps.batchConcurrency };
    let answer: IngestRequestAnswer;
    const stored: EngineEvent[] = [];
    try {
      answer = await ingestRequest(parseJsonBody(bodyText(request)), ingestDeps(callerOf(request), stored), options);
    } catch (error) {
      const { statusCode } = toHttpError(error);
      if (statusCode < 500) emitCount(deps.metrics, 'EventsRejected');
      if (statusCode === 403) emitCount(deps.metrics, 'EventsForbidden');
      throw error;
    }
    // After the puts, before the answer: a Lambda's work stops when it answers.
    if (deps.fastPath !== undefined && stored.length > 0) await deps.fastPath.run(stored);
    if (answer.status === 202) {
      deps.tracer?.putAnnotation('eventId', answer.body.id);
      return json(202, answer.body);
    }
    const { failedCount, results } = answer.body;
    const refused: Record<string, number> = {};
    for (const result of results) if ('error' in result) refused[result.error] = (refused[result.error] ?? 0) + 1;
    emitCount(deps.metrics, 'EventsRejected', failedCount);
    emitCount(deps.metrics, 'EventsForbidden', refused.forbidden ?? 0);
    log.info('batch ingested', { entries: results.length, failedCount, refused });
    return json(200, answer.body);
  };

  const queries = new EngineQueries({ events: { get: (id) => deps.store.get(id), query: async () => ({ events: [] }) }, executions: NO_EXECUTIONS });

  return async (request) => {
    try {
      // API Gateway routes only the configured resources here: POST on /events and on each webhook path.
      if (request.httpMethod === 'POST') return await postEvents(request);
      if (request.httpMethod === 'GET' && request.resource === '/events/{id}') return json(200, await queries.event(pathParameter(request, 'id')));
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}
