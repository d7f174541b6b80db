/**
 * Kinesis ingestion: an encrypted stream (on demand by default, provisioned with a shard count by
 * config) read by the Kinesis ingest Lambda with per-record failures, bisection and bounded retries.
 * Records refused for their content are sent to the dead-letter queue by the function; batches that
 * keep failing (a long store outage) end there too, as Lambda's on-failure records.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, type KinesisEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { KinesisSourceConfig } from '../lambdas/core/index.js';
import { QueueOnFailure } from './encryption.js';
import { createIngestFunction, type EventTableProps } from './ingest-function.js';
import type { EdweFunctionProps } from './lambda-defaults.js';

/** How long a record is retried before its batch goes to the dead-letter queue. */
export const DEFAULT_MAX_RECORD_AGE = Duration.hours(24);
/**
 * How long a record outlives its batch's on-failure message: the stream keeps it this much longer
 * than the mapping retries it, so a batch dropped for its age can still be read back — a week-end
 * and a working week for the alarm to be seen and acted on.
 */
export const RECOVERY_MARGIN = Duration.days(6);

export interface KinesisIngestionProps extends EventTableProps {
  /** The source as configured (`type: kinesis`): stream name, mode, shard count, batch size, starting position. */
  readonly source?: Omit<KinesisSourceConfig, 'type'>;
  /** Where refused records and exhausted batches go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The stream's key. Default: the table's key (`encryptionKey`), else one Kinesis creates. */
  readonly streamKey?: kms.IKey;
  /** Merged over the event source defaults; per-record failure reporting is not overridable. */
  readonly eventSourceProps?: Omit<Partial<KinesisEventSourceProps>, 'reportBatchItemFailures'>;
  /** Merged over the function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new KinesisIngestion(this, 'Kinesis', { table, encryptionKey, deadLetterQueue, source: { mode: 'provisioned', shardCount: 4 } })
 */
export class KinesisIngestion extends Construct {
  public readonly stream: kinesis.Stream;
  public readonly ingestFunction: NodejsFunction;
  public readonly eventSource: KinesisEventSource;

  constructor(scope: Construct, id: string, props: KinesisIngestionProps) {
    super(scope, id);
    const source = props.source ?? {};
    const provisioned = source.mode === 'provisioned';
    const key = props.streamKey ?? props.encryptionKey;

    // A batch dropped for its age reaches the dead-letter queue as shard and sequence numbers only:
    // the records must still be in the stream when an operator reads them back (docs/operations.md).
    const maxRecordAge = props.eventSourceProps?.maxRecordAge ?? DEFAULT_MAX_RECORD_AGE;
    const retentionPeriod = Duration.hours(Math.ceil(maxRecordAge.toSeconds() / 3600) + RECOVERY_MARGIN.toHours());
    this.stream = new kinesis.Stream(this, 'Stream', {
      ...(source.streamName === undefined ? {} : { streamName: source.streamName }),
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      ...(provisioned ? { shardCount: source.shardCount ?? 1 } : {}),
      ...(key === undefined ? { encryption: kinesis.StreamEncryption.MANAGED } : { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key }),
      retentionPeriod,
    });
    if (key !== undefined) {
      Validations.of(this.stream).acknowledge({
        id: 'AwsSolutions-KDS3',
        reason: "Encrypted with the engine's customer-managed key (rotated, one key for every resource) on purpose, rather than the AWS-managed aws/kinesis key.",
      });
    }

    this.ingestFunction = createIngestFunction(this, 'IngestFunction', {
      ...props,
      handler: 'ingest-kinesis',
      serviceName: 'edwe-ingest-kinesis',
      description: 'edwe: validates and stores events read from Kinesis',
      invocation: 'stream',
      functionProps: { timeout: Duration.seconds(60), ...props.functionProps },
    });

    this.eventSource = new KinesisEventSource(this.stream, {
      // The stream is the engine's own: from its oldest record, nothing put before the mapping existed is missed.
      startingPosition: source.startingPosition === 'LATEST' ? lambda.StartingPosition.LATEST : lambda.StartingPosition.TRIM_HORIZON,
      batchSize: source.batchSize ?? 100,
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge,
      onFailure: new QueueOnFailure(props.deadLetterQueue),
      ...props.eventSourceProps,
      reportBatchItemFailures: true,
    });
    this.ingestFunction.addEventSource(this.eventSource);
  }
}
