/**
 * The Kinesis ingest adapter: each record's data is an event (base64 JSON, CloudEvents allowed).
 * A record refused for its content goes to the dead-letter queue with the reason and counts as
 * handled, so it never blocks its shard; a store outage reports that record as a batch item failure
 * (ReportBatchItemFailures), and Lambda retries from it.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createLimiter } from '../../core/app/concurrency.js';
import type { PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { ingestRecordReported, type RecordIngestDeps, type StreamRecordInput } from './ingest-record.js';

/** What the Kinesis handler needs; tests pass their own. */
export interface KinesisIngestDeps extends RecordIngestDeps {
  /** Records stored at once. Default 25. */
  concurrency?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
}

export type KinesisIngestHandler = (event: KinesisStreamEvent, context?: Context) => Promise<KinesisStreamBatchResponse>;

/** A Kinesis record as the ingestion sees it: its event ID (`shardId-…:sequenceNumber`) is its identity. */
export function kinesisRecordInput(record: KinesisStreamRecord): StreamRecordInput {
  const { data, partitionKey, sequenceNumber, approximateArrivalTimestamp } = record.kinesis;
  return {
    source: 'kinesis',
    data,
    identity: `${record.eventSourceARN}/${record.eventID}`,
    receivedAtMs: Math.round(approximateArrivalTimestamp * 1000),
    position: { eventSourceARN: record.eventSourceARN, eventID: record.eventID, partitionKey, sequenceNumber, approximateArrivalTimestamp },
  };
}

/**
 * The Kinesis handler without middlewares.
 * @example const { batchItemFailures } = await createKinesisIngestHandler({ store, deadLetters })(kinesisEvent)
 */
export function createKinesisIngestHandler(deps: KinesisIngestDeps): KinesisIngestHandler {
  const log = deps.logger ?? sharedLogger;
  const processor = new BatchProcessor(EventType.KinesisDataStreams);

  return (event, context) => {
    // Powertools starts every record at once; the limiter keeps the table's view of it bounded.
    const limit = createLimiter(deps.concurrency ?? 25);
    // A failure is thrown on, so that Powertools reports the record as a batch item failure.
    const ingest = (record: KinesisStreamRecord): Promise<void> => {
      const input = kinesisRecordInput(record);
      const where = { sequenceNumber: input.position.sequenceNumber };
      return limit(() => ingestRecordReported(input, deps, { logger: log, metrics: deps.metrics, where, onFailure: 'record failed; it will be retried' }));
    };
    return processPartialResponse(event, ingest, processor, {
      ...(context === undefined ? {} : { context }),
      processInParallel: true,
      throwOnFullBatchFailure: false,
    });
  };
}
