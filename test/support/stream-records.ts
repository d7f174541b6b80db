/**
 * DynamoDB Streams events shaped the way Lambda delivers them (dynalite has no streams):
 * the item marshalled into DynamoDB JSON under `NewImage`, one increasing SequenceNumber per record.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/Events/stream/2026-01-01T00:00:00.000';

let sequence = 100_000_000_000_000_000_000n;

/** Options for one record; by default an INSERT with the next sequence number. */
export interface StreamRecordOptions {
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  sequenceNumber?: string;
  /** The partition key, when the item has no `pk` of its own. */
  keys?: Record<string, unknown>;
}

/** One stream record carrying `item` as its NewImage. */
export function streamRecord(item: Record<string, unknown>, options: StreamRecordOptions = {}): DynamoDBRecord {
  const sequenceNumber = options.sequenceNumber ?? String(++sequence);
  const newImage = marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
  const keys = marshall(options.keys ?? { pk: item.pk ?? 'EVT#unknown' }) as Record<string, AttributeValue>;
  return {
    eventID: `event-${sequenceNumber}`,
    eventName: options.eventName ?? 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: keys,
      NewImage: newImage,
      SequenceNumber: sequenceNumber,
      SizeBytes: JSON.stringify(newImage).length,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

/** A batch of records as one Lambda invocation receives it. */
export const streamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

/** The sequence number of a record built by `streamRecord`. */
export const sequenceNumberOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber as string;
