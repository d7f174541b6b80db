/**
 * Plays Lambda's DynamoDB event source mapping for a handler: reads the table's stream on moto
 * (DescribeStream / GetShardIterator / GetRecords, from TRIM_HORIZON), applies the mapping's filter,
 * hands batches shaped as Lambda delivers them (`eventSourceARN` added, creation time in epoch
 * seconds), and honours ReportBatchItemFailures: the next batch starts at the lowest failed record
 * (the checkpoint), so records before it are not delivered again; after `retryAttempts` retries the
 * batch goes to the on-failure destination and the mapping moves past it.
 * Not modelled: bisection on a function error (the handlers report failures per record, never throw
 * for a batch), parallelisation factor, batching windows, shard splits.
 */
import { randomUUID } from 'node:crypto';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compilePattern } from '../../../lambdas/core/index.js';
import { REGION } from './aws-clients.js';

/** What Lambda writes to an on-failure destination for a stream batch it gave up on (`DDBStreamBatchInfo`). */
export interface StreamBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  /** An event source mapping filter pattern (EventBridge pattern syntax) over the record; records it does not match are dropped. */
  filter?: unknown;
  batchSize?: number;
  /** Retries of a failing batch before it goes to `onFailure`. Default 5 (lib/router.ts). */
  retryAttempts?: number;
  onFailure?: (info: StreamBatchInfo) => Promise<void>;
}

/** One invocation of the handler as the mapping made it. */
export interface Invocation {
  records: DynamoDBRecord[];
  /** Sequence numbers the handler reported as failed. */
  failures: string[];
}

export interface StreamPoller {
  /** Every invocation so far, in order. */
  readonly invocations: Invocation[];
  /** Reads what the stream has now and delivers it, retrying and giving up as the mapping would. Answers this drain's invocations. */
  drain(): Promise<Invocation[]>;
}

interface Shard {
  shardId: string;
  iterator?: string;
  pending: DynamoDBRecord[];
  /** Consecutive failed deliveries of the batch at the checkpoint. */
  retries: number;
}

/** A stream record as the SDK returns it → as Lambda delivers it. */
export function lambdaStreamRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const { dynamodb } = record;
  const created = dynamodb?.ApproximateCreationDateTime;
  // aws-lambda's and the SDK's AttributeValue describe the same JSON; the items here hold no binary values.
  const image = (value: unknown) => value as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
  return {
    eventID: record.eventID as string,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? REGION,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      Keys: image(dynamodb?.Keys),
      ...(dynamodb?.NewImage === undefined ? {} : { NewImage: image(dynamodb.NewImage) }),
      SequenceNumber: dynamodb?.SequenceNumber as string,
      SizeBytes: dynamodb?.SizeBytes as number,
      StreamViewType: dynamodb?.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
}

const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber as string;
const arrivalOf = (record: DynamoDBRecord): string => new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();

export function createStreamPoller(options: StreamPollerOptions): StreamPoller {
  const { client, streamArn, handler } = options;
  const batchSize = options.batchSize ?? 100;
  const retryAttempts = options.retryAttempts ?? 5;
  const filter = options.filter === undefined ? undefined : compilePattern(options.filter);
  const matches = (record: DynamoDBRecord): boolean => filter === undefined || filter.matches(record);
  const invocations: Invocation[] = [];
  let shards: Shard[] | undefined;

  const openShards = async (): Promise<Shard[]> => {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const opened: Shard[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId as string;
      const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      opened.push({ shardId, ...(ShardIterator === undefined ? {} : { iterator: ShardIterator }), pending: [], retries: 0 });
    }
    return opened;
  };

  const read = async (shard: Shard): Promise<void> => {
    while (shard.iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      shard.pending.push(...records.map((r) => lambdaStreamRecord(r, streamArn)).filter(matches));
      // Keep the iterator for the next drain; an empty page means the tip of the shard.
      if (page.NextShardIterator !== undefined) shard.iterator = page.NextShardIterator;
      if (records.length === 0 || page.NextShardIterator === undefined) break;
    }
  };

  const deliver = async (shard: Shard, drained: Invocation[]): Promise<void> => {
    while (shard.pending.length > 0) {
      const batch = shard.pending.slice(0, batchSize);
      let failures: string[];
      try {
        const response = await handler({ Records: batch });
        failures = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      } catch {
        // A function error fails the whole batch.
        failures = batch.map(sequenceOf);
      }
      const invocation = { records: batch, failures };
      invocations.push(invocation);
      drained.push(invocation);
      if (failures.length === 0) {
        shard.pending.splice(0, batch.length);
        shard.retries = 0;
        continue;
      }
      // The checkpoint is the lowest failed sequence number: everything before it is done. (An identifier
      // that is not in the batch makes Lambda fail the whole batch.)
      const checkpoint = Math.max(
        0,
        batch.findIndex((record) => failures.includes(sequenceOf(record))),
      );
      shard.pending.splice(0, checkpoint);
      // A checkpoint that moved on starts a new batch, with its own retries.
      shard.retries = checkpoint > 0 ? 1 : shard.retries + 1;
      if (shard.retries > retryAttempts) {
        const given = shard.pending.splice(0, batch.length - checkpoint);
        shard.retries = 0;
        await options.onFailure?.({
          shardId: shard.shardId,
          startSequenceNumber: sequenceOf(given[0] as DynamoDBRecord),
          endSequenceNumber: sequenceOf(given[given.length - 1] as DynamoDBRecord),
          approximateArrivalOfFirstRecord: arrivalOf(given[0] as DynamoDBRecord),
          approximateArrivalOfLastRecord: arrivalOf(given[given.length - 1] as DynamoDBRecord),
          batchSize: given.length,
          streamArn,
        });
      }
    }
  };

  return {
    invocations,
    async drain() {
      shards ??= await openShards();
      const drained: Invocation[] = [];
      for (const shard of shards) {
        await read(shard);
        await deliver(shard, drained);
      }
      return drained;
    },
  };
}

/**
 * An on-failure destination on SQS: the message Lambda sends for a stream batch it gave up on
 * ("Retaining records from a DynamoDB event source": requestContext, responseContext, DDBStreamBatchInfo).
 */
export function sqsOnFailure(sqs: SQSClient, queueUrl: string, functionArn: string): (info: StreamBatchInfo) => Promise<void> {
  return async (info) => {
    const body = {
      requestContext: { requestId: randomUUID(), functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: '' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: info,
    };
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
  };
}
