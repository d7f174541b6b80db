/**
 * An in-memory Kinesis (kinesalite) on 127.0.0.1, driven by the real SDK v3 client over HTTP/1.1
 * (kinesalite does not speak HTTP/2, and wants `StreamName`, not `StreamARN`), plus the Lambda side:
 * records read back with GetRecords, shaped exactly as the event source mapping delivers them.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { EMULATOR_CLIENT_CONFIG, startLocalEmulator, type LocalEmulator } from './local-emulator.js';

// kinesalite ships no type declarations; this is the part of its API the tests use.
type KinesaliteFactory = (options: { createStreamMs?: number; deleteStreamMs?: number; updateStreamMs?: number; shardLimit?: number }) => Server;
const kinesalite = createRequire(import.meta.url)('kinesalite') as KinesaliteFactory;

export type Kinesalite = LocalEmulator<KinesisClient>;

/** Starts kinesalite on a free port (streams become ACTIVE at once). */
export function startKinesalite(): Promise<Kinesalite> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  return startLocalEmulator(server, (endpoint) => new KinesisClient({ endpoint, ...EMULATOR_CLIENT_CONFIG, requestHandler: new NodeHttpHandler() }));
}

/** Creates a stream and answers its ARN once it is ACTIVE. */
export async function createStream(client: KinesisClient, streamName: string, shardCount = 1): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
  return StreamDescription?.StreamARN as string;
}

/** Every record of every shard of the stream, from the oldest (TRIM_HORIZON), as GetRecords returns them. */
export async function readAllRecords(client: KinesisClient, streamName: string): Promise<Array<{ shardId: string; record: _Record }>> {
  const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
  const out: Array<{ shardId: string; record: _Record }> = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    const shardId = shard.ShardId as string;
    let { ShardIterator: iterator } = await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const record of page.Records ?? []) out.push({ shardId, record });
      // An empty page at the tip of the shard: everything has been read.
      iterator = (page.Records ?? []).length === 0 ? undefined : page.NextShardIterator;
    }
  }
  return out;
}

/** One record as Lambda's Kinesis event source mapping delivers it (see the Lambda developer guide's example event). */
export function lambdaKinesisRecord(streamArn: string, shardId: string, record: _Record): KinesisStreamRecord {
  const arrival = record.ApproximateArrivalTimestamp ?? new Date();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey as string,
      sequenceNumber: record.SequenceNumber as string,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: arrival.getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${record.SequenceNumber as string}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/edwe-kinesis-ingest',
    awsRegion: 'us-east-1',
    eventSourceARN: streamArn,
  };
}

/** A batch as one invocation receives it. */
export const kinesisEvent = (...records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });
