import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createKinesisIngestHandler, type KinesisIngestHandler } from '../../lambdas/aws/streams/ingest-kinesis.js';
import { kinesisDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { lambdaKinesisRecord, readAllRecords } from '../support/kinesalite.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { allStoredEvents, aRegistration, storedEvent } from './support/fixtures.js';
import { resetMoto } from './support/moto.js';
import { receiveAllJson } from './support/queues.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

describe('Kinesis ingestion on AWS: PutRecords → GetRecords → Kinesis ingest Lambda → Events table', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let ingest: KinesisIngestHandler;

  /** Puts each payload as one record (an object as its JSON, a string as it is), partitioned by `key`. */
  const putRecords = async (key: string, ...payloads: unknown[]): Promise<void> => {
    const { FailedRecordCount } = await aws.kinesis.send(
      new PutRecordsCommand({
        StreamName: engine.kinesisStream.streamName,
        Records: payloads.map((payload) => ({ PartitionKey: key, Data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)) })),
      }),
    );
    expect(FailedRecordCount).toBe(0);
  };

  /** What the event source mapping hands the function: one batch per shard, records in shard order. */
  const mappingBatches = async (): Promise<KinesisStreamEvent[]> => {
    const byShard = new Map<string, KinesisStreamEvent>();
    for (const { shardId, record } of await readAllRecords(aws.kinesis, engine.kinesisStream.streamName)) {
      const batch = byShard.get(shardId) ?? { Records: [] };
      batch.Records.push(lambdaKinesisRecord(engine.kinesisStream.streamArn, shardId, record));
      byShard.set(shardId, batch);
    }
    return [...byShard.values()];
  };

  const deliverAll = async (batches: KinesisStreamEvent[]) => Promise.all(batches.map((batch) => ingest(batch)));

  beforeAll(() => {
    aws = awsClients();
  });

  beforeEach(async () => {
    await resetMoto(inject('motoEndpoint'));
    engine = await createEngineResources(aws);
    // The production wiring, from the environment the KinesisIngestion construct gives the function.
    ingest = createKinesisIngestHandler(kinesisDepsFromEnv(engine.env.ingestKinesis));
  });

  afterAll(() => aws.destroy());

  it('stores every event put on the stream, envelope or CloudEvent, with or without an id', async () => {
    const withId = aRegistration();
    const cloudEvent = {
      specversion: '1.0',
      id: 'ce-inv-1',
      source: '/billing',
      type: 'invoice.paid',
      time: '2026-03-04T05:00:00Z',
      correlationid: 'acct-9',
      data: { amount: 12 },
    };
    const withoutId = { type: 'page_viewed', source: 'web-app', data: { path: '/pricing' } };
    await putRecords('user-1', withId, cloudEvent, withoutId);

    const answers = await deliverAll(await mappingBatches());

    expect(answers.flatMap((a) => a.batchItemFailures)).toEqual([]);
    expect(await storedEvent(aws.dynamodb, engine.eventsTable.tableName, withId.id)).toEqual(withId);
    expect(await storedEvent(aws.dynamodb, engine.eventsTable.tableName, 'ce-inv-1')).toMatchObject({
      type: 'invoice.paid',
      source: '/billing',
      correlationId: 'acct-9',
      data: { amount: 12 },
    });
    const pageViews = (await allStoredEvents(aws.dynamodb, engine.eventsTable.tableName)).filter((e) => e.type === 'page_viewed');
    expect(pageViews).toEqual([expect.objectContaining({ ...withoutId, id: expect.any(String), timestamp: expect.any(String) })]);
  });

  it('stores nothing twice when a batch is delivered again, an event without an id included', async () => {
    await putRecords('user-2', aRegistration(), { type: 'page_viewed', source: 'web-app', data: {} });
    const batches = await mappingBatches();
    await deliverAll(batches);
    const first = await allStoredEvents(aws.dynamodb, engine.eventsTable.tableName);

    const again = await deliverAll(batches);

    expect(again.flatMap((a) => a.batchItemFailures)).toEqual([]);
    expect(await allStoredEvents(aws.dynamodb, engine.eventsTable.tableName)).toEqual(expect.arrayContaining(first));
    expect(await allStoredEvents(aws.dynamodb, engine.eventsTable.tableName)).toHaveLength(2);
  });

  it('sends a record that is not an event to the dead-letter queue with the reason, and stores the rest of its batch', async () => {
    const good = aRegistration();
    await putRecords('user-3', 'not json at all', good);

    const answers = await deliverAll(await mappingBatches());

    expect(answers.flatMap((a) => a.batchItemFailures)).toEqual([]);
    expect(await storedEvent(aws.dynamodb, engine.eventsTable.tableName, good.id)).toEqual(good);
    const letters = await receiveAllJson(aws.sqs, engine.ingestDeadLetterQueue.url);
    expect(letters).toEqual([
      expect.objectContaining({
        source: 'kinesis',
        reason: 'validation_error',
        data: Buffer.from('not json at all').toString('base64'),
        record: expect.objectContaining({ eventSourceARN: engine.kinesisStream.streamArn, partitionKey: 'user-3' }),
      }),
    ]);
  });
});
