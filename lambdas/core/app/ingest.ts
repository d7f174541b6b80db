/**
 * Ingesting events, as every entry point does it (HTTP in both homes, EventBridge, Kinesis, Kafka,
 * PutEvents, built-in tasks): validate the input into an event, let the caller refuse it, store it once.
 * Routing follows from the store's change stream, not from here.
 */
import type { EngineEvent, EnvelopeContext } from '../envelope.js';
import { normaliseEvent } from '../envelope.js';
import { classifyIngestBody, entryError, eventInputOf, type BatchEntryResult } from '../http.js';
import type { EventStore, PutResult } from '../ports/events.js';
import type { EngineMetrics } from '../ports/observability.js';
import { mapBounded } from './concurrency.js';

/** What ingesting needs. */
export interface IngestDeps {
  store: Pick<EventStore, 'put'>;
  /** Receive time and ids for what the input leaves out (live ids for requests, derived ones for stream records). */
  envelope: EnvelopeContext;
  /**
   * Checks the normalised event before it is stored, e.g. that the caller may publish its source:
   * throw (a `ForbiddenError`, …) to refuse it. Called synchronously, before the put.
   */
  admit?: (event: EngineEvent) => void;
  /** Told of each event once stored (`duplicate` included), e.g. to log, count or publish it. */
  onStored?: (event: EngineEvent, result: PutResult) => void;
  /** Each newly stored event counted as received, under its source and type. */
  metrics?: Pick<EngineMetrics, 'countLabelled'>;
}

/** The answer to one ingested event. */
export interface IngestResult extends PutResult {
  event: EngineEvent;
}

/** Puts in flight at once for one batch on a remote store: enough to hide latency, few enough not to throttle a table. */
export const BATCH_CONCURRENCY = 25;

export interface IngestBatchOptions {
  /**
   * Puts in flight at once. Default `BATCH_CONCURRENCY`. A store that commits what one event-loop
   * turn submits as one transaction (the embedded SQLite store) is given the batch's length: every
   * put is then issued in the same turn and the batch lands in one commit.
   */
  concurrency?: number;
  /** Maps an entry to event input (CloudEvents, a PutEvents entry, …); what it throws is the entry's own error. */
  toInput?: (entry: unknown) => unknown;
}

/** The answer to a batch: one result per entry, in entry order. */
export interface BatchAnswer {
  failedCount: number;
  results: BatchEntryResult[];
}

/**
 * Validates, admits and stores one event. Nothing before the put waits, so puts issued together
 * are submitted together.
 * @throws ValidationError / PayloadTooLargeError (invalid input), whatever `admit` throws,
 *   ConflictError (the id is stored with other content), RetryableError (the store throttles or fails).
 * @example const { id, duplicate } = await ingestEvent(body, { store, envelope: liveEnvelope(clock, randomBytes) })
 */
export async function ingestEvent(input: unknown, deps: IngestDeps): Promise<IngestResult> {
  const event = normaliseEvent(input, deps.envelope);
  deps.admit?.(event);
  const result = await deps.store.put(event);
  deps.onStored?.(event, result);
  if (!result.duplicate) deps.metrics?.countLabelled('EventsReceived', { source: event.source, type: event.type });
  return { id: result.id, duplicate: result.duplicate, event };
}

/**
 * Ingests every entry, `concurrency` at a time, and answers each in entry order. An entry's own
 * error (invalid, too large, a conflict, a source the caller may not publish) is its answer; an
 * error that is not its fault (a store outage) stops the batch and is thrown once the puts in
 * flight have settled, so the request answers 5xx and the client retries it whole — the entries
 * already stored then answer `duplicate`.
 * @throws RetryableError (or any error that maps to 5xx) for the whole batch.
 */
export async function ingestBatch(entries: readonly unknown[], deps: IngestDeps, options: IngestBatchOptions = {}): Promise<BatchAnswer> {
  const toInput = options.toInput ?? ((entry: unknown) => entry);
  const concurrency = Math.max(1, options.concurrency ?? BATCH_CONCURRENCY);
  const results = await mapBounded(entries, concurrency, async (entry): Promise<BatchEntryResult> => {
    try {
      const { id, duplicate } = await ingestEvent(toInput(entry), deps);
      return duplicate ? { id, duplicate: true } : { id };
    } catch (error) {
      return entryError(error);
    }
  });
  return { failedCount: results.filter((result) => 'error' in result).length, results };
}

/** The answer to `POST /events`: `202 {id}` for one event, `200 {failedCount, results}` for a batch. */
export type IngestRequestAnswer = { status: 202; body: { id: string; duplicate?: true } } | { status: 200; body: BatchAnswer };

/**
 * `POST /events` in both homes: one event, an array, or `{events: [...]}` (CloudEvents included),
 * ingested one by one or as a batch with per-entry answers.
 * @throws ValidationError for a body that is neither (or an empty or oversized batch); what `ingestEvent` throws for one event.
 */
export async function ingestRequest(body: unknown, deps: IngestDeps, options: Omit<IngestBatchOptions, 'toInput'> = {}): Promise<IngestRequestAnswer> {
  const request = classifyIngestBody(body);
  if (request.kind === 'single') {
    const { id, duplicate } = await ingestEvent(eventInputOf(request.entry), deps);
    return { status: 202, body: duplicate ? { id, duplicate: true } : { id } };
  }
  return { status: 200, body: await ingestBatch(request.entries, deps, { ...options, toInput: eventInputOf }) };
}
