/**
 * The EventBridge ingest adapter, target of the engine bus's forwarding rule: `detail-type` → type,
 * `source`, `detail` → data, `time` → timestamp, `id` (so a redelivery is a duplicate).
 * EventBridge invokes it asynchronously: an event refused for its content is thrown as the core
 * error it is and, after Lambda's retries, lands in the dead-letter queue with the error and the
 * whole original event (the function's on-failure destination, see lib/bus-ingestion.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeEvent } from 'aws-lambda';
import { fromEventBridgeEvent, httpErrorOf, ingestEvent, type EventStore, type IngestDeps, type PutResult } from '../../core/index.js';
import { emitCount, type PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { recordEnvelope } from '../record-envelope.js';
import { logger as sharedLogger } from '../wiring/powertools.js';

/** What the EventBridge handler needs; tests pass their own. */
export interface EventBridgeIngestDeps {
  store: Pick<EventStore, 'put' | 'get'>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
  /** Seals the configured sensitive fields before the put (`event_sourcing.encrypt`). */
  fields?: IngestDeps['fields'];
}

export type EventBridgeDelivery = EventBridgeEvent<string, unknown>;
export type EventBridgeIngestHandler = (event: EventBridgeDelivery) => Promise<PutResult>;

/**
 * The EventBridge handler without middlewares.
 * @throws ValidationError (refused: to the dead-letter queue), ConflictError, RetryableError (retried).
 * @example await createEventBridgeIngestHandler({ store })(eventBridgeEvent)
 */
export function createEventBridgeIngestHandler(deps: EventBridgeIngestDeps): EventBridgeIngestHandler {
  const log = deps.logger ?? sharedLogger;
  return async (delivery) => {
    try {
      // EventBridge always sets id and time; should either be missing, defaults still repeat on redelivery.
      const time = Date.parse(String(delivery.time));
      const receivedAtMs = Number.isNaN(time) ? Date.now() : time;
      const { event, id, duplicate } = await ingestEvent(fromEventBridgeEvent(delivery), {
        store: deps.store,
        envelope: recordEnvelope(`eventbridge/${String(delivery.id)}`, receivedAtMs),
        ...(deps.fields === undefined ? {} : { fields: deps.fields }),
      });
      emitCount(deps.metrics, duplicate ? 'EventsDuplicate' : 'EventsIngested');
      log.info('event stored', { eventId: event.id, correlationId: event.correlationId, type: event.type, source: event.source, duplicate });
      return { id, duplicate };
    } catch (error) {
      const { status, body } = httpErrorOf(error);
      emitCount(deps.metrics, status < 500 ? 'EventsRejected' : 'RecordsFailed');
      if (status < 500) log.warn('event refused', { id: delivery.id, source: delivery.source, reason: body.error, message: body.message, details: body.details });
      else log.error('event failed; it will be retried', { id: delivery.id, error: error as Error });
      throw error;
    }
  };
}
