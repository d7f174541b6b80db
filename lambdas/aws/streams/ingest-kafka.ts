/**
 * The Kafka ingest adapter (MSK or self-managed, one event source mapping per topic): each record's
 * value is an event (base64 JSON, CloudEvents allowed). Partitions are read in parallel, each in
 * offset order. A record refused for its content goes to the dead-letter queue and counts as handled;
 * at a store outage the partition stops and reports `{ partition: "<topic>-<n>", offset }` as its
 * batch item failure, from which Lambda resumes it (ReportBatchItemFailures, provisioned mode).
 * Powertools' BatchProcessor has no Kafka type in this version, hence the small loop here.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MSKEvent, MSKRecord, SelfManagedKafkaEvent } from 'aws-lambda';
import { mapBounded } from '../../core/app/concurrency.js';
import type { PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { ingestRecordReported, type RecordIngestDeps, type StreamRecordInput } from './ingest-record.js';

export type KafkaEvent = MSKEvent | SelfManagedKafkaEvent;

/** Lambda's partial batch response for Kafka: the topic-partition key and the offset to resume from. */
export interface KafkaBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: { partition: string; offset: number } }>;
}

/** What the Kafka handler needs; tests pass their own. */
export interface KafkaIngestDeps extends RecordIngestDeps {
  /** Partitions read at once. Default 16. */
  concurrency?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
}

export type KafkaIngestHandler = (event: KafkaEvent) => Promise<KafkaBatchResponse>;

/** A Kafka record as the ingestion sees it: cluster, topic, partition and offset are its identity. */
export function kafkaRecordInput(event: KafkaEvent, record: MSKRecord): StreamRecordInput {
  const cluster = 'eventSourceArn' in event ? event.eventSourceArn : event.bootstrapServers;
  const { topic, partition, offset, timestamp, key } = record;
  return {
    source: 'kafka',
    data: record.value,
    identity: `${cluster}/${topic}-${partition}@${offset}`,
    receivedAtMs: timestamp,
    position: { topic, partition, offset, timestamp, ...(key === undefined || key === null ? {} : { key }) },
  };
}

/**
 * The Kafka handler without middlewares.
 * @example const { batchItemFailures } = await createKafkaIngestHandler({ store, deadLetters })(mskEvent)
 */
export function createKafkaIngestHandler(deps: KafkaIngestDeps): KafkaIngestHandler {
  const log = deps.logger ?? sharedLogger;

  /** Ingests a partition's records in order; the offset of the first one that failed, if any. */
  const ingestPartition = async (event: KafkaEvent, records: readonly MSKRecord[]): Promise<number | undefined> => {
    for (const record of records) {
      const input = kafkaRecordInput(event, record);
      try {
        await ingestRecordReported(input, deps, { logger: log, metrics: deps.metrics, where: input.position, onFailure: 'record failed; its partition resumes from it' });
      } catch {
        return record.offset;
      }
    }
    return undefined;
  };

  return async (event) => {
    const partitions = Object.entries(event.records);
    const failedAt = await mapBounded(partitions, deps.concurrency ?? 16, ([, records]) =>
      ingestPartition(
        event,
        [...records].sort((a, b) => a.offset - b.offset),
      ),
    );
    const batchItemFailures = partitions.flatMap(([partition], i) => {
      const offset = failedAt[i];
      return offset === undefined ? [] : [{ itemIdentifier: { partition, offset } }];
    });
    return { batchItemFailures };
  };
}
