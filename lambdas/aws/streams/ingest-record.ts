/**
 * One stream record (Kinesis, Kafka) into the store: decode, map CloudEvents, validate, put once.
 * A record refused for its content goes to the dead-letter queue and counts as handled; anything
 * else (a store outage) is thrown, so the record is reported as a batch item failure and retried.
 */
import {
  eventInputOf,
  httpErrorOf,
  ingestEvent,
  parseJsonBody,
  ValidationError,
  type DeadLetter,
  type DeadLetterQueue,
  type EngineEvent,
  type EventStore,
  type PutResult,
} from '../../core/index.js';
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
