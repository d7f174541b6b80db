/**
 * One stream record (Kinesis, Kafka) into the store: decode, map CloudEvents, validate, put once.
 * A record refused for its content goes to the dead-letter queue and counts as handled; anything
 * else (a store outage) is thrown, so the record is reported as a batch item failure and retried.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  eventInputOf,
  httpErrorOf,
  ingestEvent,
  isEngineError,
  parseJsonBody,
  ValidationError,
  type DeadLetter,
  type DeadLetterQueue,
  type EngineEvent,
  type EventStore,
  type IngestDeps,
  type PutResult,
} from '../../core/index.js';
import { emitCount, type PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { recordEnvelope } from '../record-envelope.js';

/** A record as the ingestion sees it, whatever stream it came from. */
export interface StreamRecordInput {
  /** The source's name in dead letters and logs: `kinesis`, `kafka`. */
  source: string;
  /** The record's bytes, base64, as the event source mapping delivers them; null for a Kafka tombstone. */
  data: string | null | undefined;
  /** Unique to the record and the same on every redelivery: an event without an id gets one derived from it. */
  identity: string;
  /** When the stream received the record: the timestamp of an event that has none. */
  receivedAtMs: number;
  /** Where the record sits in its stream, for the dead letter. */
  position: Readonly<Record<string, unknown>>;
}

export type RecordOutcome = { kind: 'stored'; event: EngineEvent; result: PutResult } | { kind: 'dead-lettered'; letter: DeadLetter };

export interface RecordIngestDeps {
  store: Pick<EventStore, 'put' | 'get'>;
  deadLetters: DeadLetterQueue;
  /** Seals the configured sensitive fields before the put (`event_sourcing.encrypt`). */
  fields?: IngestDeps['fields'];
}

/**
 * Ingests one record. A redelivered record yields the same event (id and timestamp derived from the
 * record, not from the moment), so a retried batch stores nothing twice.
 * @throws whatever is not the record's fault (RetryableError from the store or the queue, …).
 */
export async function ingestRecord(record: StreamRecordInput, deps: RecordIngestDeps): Promise<RecordOutcome> {
  try {
    if (typeof record.data !== 'string') throw new ValidationError('The record has no value', [{ path: '(record)', message: 'no data' }]);
    const text = Buffer.from(record.data, 'base64').toString('utf8');
    const { event, id, duplicate } = await ingestEvent(eventInputOf(parseJsonBody(text)), {
      store: deps.store,
      envelope: recordEnvelope(record.identity, record.receivedAtMs),
      ...(deps.fields === undefined ? {} : { fields: deps.fields }),
    });
    return { kind: 'stored', event, result: { id, duplicate } };
  } catch (error) {
    const { status, body } = httpErrorOf(error);
    if (status >= 500) throw error;
    const letter: DeadLetter = {
      source: record.source,
      reason: body.error,
      message: body.message,
      details: body.details,
      record: record.position,
      ...(typeof record.data === 'string' ? { data: record.data } : {}),
    };
    await deps.deadLetters.send(letter);
    return { kind: 'dead-lettered', letter };
  }
}

/** How a stream handler reports each record. */
export interface RecordReport {
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink | undefined;
  /** Where the record sits in its stream, logged with each line. */
  where: Readonly<Record<string, unknown>>;
  /** The failure line's message: what becomes of the record next. */
  onFailure: string;
}

/**
 * `ingestRecord`, logged and counted: stored (ingested or a duplicate), dead-lettered (rejected) or failed.
 * @throws what `ingestRecord` throws, once logged.
 */
export async function ingestRecordReported(record: StreamRecordInput, deps: RecordIngestDeps, report: RecordReport): Promise<void> {
  const { logger: log, metrics, where } = report;
  try {
    const outcome = await ingestRecord(record, deps);
    if (outcome.kind === 'stored') {
      const { event, result } = outcome;
      emitCount(metrics, result.duplicate ? 'EventsDuplicate' : 'EventsIngested');
      log.info('event stored', { eventId: event.id, correlationId: event.correlationId, type: event.type, source: event.source, ...where, duplicate: result.duplicate });
    } else {
      emitCount(metrics, 'EventsRejected');
      log.warn('record refused and sent to the dead-letter queue', { ...where, reason: outcome.letter.reason, message: outcome.letter.message });
    }
  } catch (error) {
    emitCount(metrics, 'RecordsFailed');
    log.error(report.onFailure, { ...where, retryable: isEngineError(error) ? error.retryable : undefined, error: error as Error });
    throw error;
  }
}
