import { Logger } from '@aws-lambda-powertools/logger';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { SqsDeadLetterQueue } from '../../lambdas/aws/sqs-dead-letter-queue.js';
import { RetryableError, type EngineEvent, type EventStore } from '../../lambdas/core/index.js';
import { createKinesisIngestHandler } from '../../lambdas/aws/streams/ingest-kinesis.js';
import { kinesisDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { useDynalite } from '../support/dynalite.js';
import { createStream, kinesisEvent, lambdaKinesisRecord, readAllRecords, startKinesalite, type Kinesalite } from '../support/kinesalite.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/edwe-ingest-dead-letters';
const NOW = Date.parse('2026-11-01T12:00:00.000Z');
const silent = new Logger({ logLevel: 'SILENT' });
const sqs = mockClient(SQSClient);

const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));
const jsonParseError = (text: string): string => {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('it parsed');
};

/** The messages sent to the dead-letter queue, bodies parsed. */
const deadLetters = () => sqs.commandCalls(SendMessageCommand).map((call) => ({ ...call.args[0].input, MessageBody: JSON.parse(call.args[0].input.MessageBody as string) }));

describe('Kinesis ingest handler, fed by kinesalite, storing on dynalite', () => {
  const dynalite = useDynalite();
  let kinesis: Kinesalite;
  let client: KinesisClient;
  let store: DynamoDbEventStore;
  let streamArn: string;
  let streamCounter = 0;

  /** Puts records on a fresh stream, reads them back and builds the event Lambda would deliver. */
  async function deliver(records: Array<{ data: Uint8Array; partitionKey: string }>): Promise<KinesisStreamEvent> {
    const streamName = `edwe-events-${++streamCounter}`;
    streamArn = await createStream(client, streamName, 2);
    const put = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })) }));
    expect(put.FailedRecordCount).toBe(0);
    const read = await readAllRecords(client, streamName);
    // One invocation per shard, as the mapping delivers them; here merged in put order for one call.
    const bySequence = new Map(read.map(({ shardId, record }) => [record.SequenceNumber, lambdaKinesisRecord(streamArn, shardId, record)]));
    return kinesisEvent(...(put.Records ?? []).map((r) => bySequence.get(r.SequenceNumber) as ReturnType<typeof lambdaKinesisRecord>));
  }

  const handlerWith = (eventStore: Pick<EventStore, 'put' | 'get'> = store) =>
    createKinesisIngestHandler({
      store: eventStore,
      deadLetters: new SqsDeadLetterQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE_URL, clock: { now: () => NOW } }),
      logger: silent,
    });

  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = kinesis.client();
    store = new DynamoDbEventStore({ client: dynalite.client(), tableName: await dynalite.eventsTable(), clock: { now: () => NOW } });
  });

  afterAll(async () => {
    await kinesis?.close();
    sqs.restore();
  });

  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  });

  it('stores the good records and sends only the poison one to the dead-letter queue, with its reason and data', async () => {
    const poison = 'not json {';
    const event = await deliver([
      { data: json({ id: 'k-1', type: 'order.placed', source: 'shop', timestamp: '2026-11-01T10:00:00Z', data: { n: 1 } }), partitionKey: 'a' },
      { data: Buffer.from(poison), partitionKey: 'b' },
      { data: json({ specversion: '1.0', id: 'k-ce', source: '/billing', type: 'invoice.paid', time: '2026-11-01T10:01:00Z', data: { amount: 3 } }), partitionKey: 'c' },
      { data: json({ id: 'k-2', type: 'order.placed', source: 'shop', data: { n: 2 } }), partitionKey: 'd' },
    ]);
    const poisonRecord = event.Records[1]!;

    const response = await handlerWith()(event);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await store.get('k-1')).toEqual({ id: 'k-1', type: 'order.placed', source: 'shop', timestamp: '2026-11-01T10:00:00.000Z', data: { n: 1 } });
    expect(await store.get('k-ce')).toMatchObject({ type: 'invoice.paid', source: '/billing', data: { amount: 3 } });
    // Without a timestamp, the record's arrival time.
    expect((await store.get('k-2'))?.timestamp).toBe(new Date(Math.round(event.Records[3]!.kinesis.approximateArrivalTimestamp * 1000)).toISOString());
    expect(deadLetters()).toEqual([
      {
        QueueUrl: QUEUE_URL,
        MessageBody: {
          source: 'kinesis',
          reason: 'validation_error',
          message: `The body is not valid JSON: ${jsonParseError(poison)}`,
          details: [{ path: '(body)', message: jsonParseError(poison) }],
          record: {
            eventSourceARN: streamArn,
            eventID: poisonRecord.eventID,
            partitionKey: 'b',
            sequenceNumber: poisonRecord.kinesis.sequenceNumber,
            approximateArrivalTimestamp: poisonRecord.kinesis.approximateArrivalTimestamp,
          },
          data: Buffer.from(poison).toString('base64'),
          failedAt: '2026-11-01T12:00:00.000Z',
        },
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'validation_error' }, source: { DataType: 'String', StringValue: 'kinesis' } },
      },
    ]);
  });

  it('sends an event that breaks the envelope rules to the dead-letter queue naming the path', async () => {
    const event = await deliver([{ data: json({ id: 'k-bad', source: 'shop', data: {} }), partitionKey: 'a' }]);

    expect(await handlerWith()(event)).toEqual({ batchItemFailures: [] });

    expect(deadLetters()[0]?.MessageBody).toMatchObject({
      reason: 'validation_error',
      message: 'Invalid event: type: required',
      details: [{ path: 'type', message: 'required' }],
    });
    expect(await store.get('k-bad')).toBeUndefined();
  });

  it('sends an event over 256 KiB to the dead-letter queue with its data cut to fit an SQS message, and says so', async () => {
    const big = json({ id: 'k-big', type: 't', source: 'shop', data: { blob: 'x'.repeat(300 * 1024) } });
    const event = await deliver([{ data: big, partitionKey: 'a' }]);

    expect(await handlerWith()(event)).toEqual({ batchItemFailures: [] });

    const [message] = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.MessageBody as string);
    expect(Buffer.byteLength(message as string)).toBeLessThanOrEqual(256 * 1024);
    expect(JSON.parse(message as string)).toMatchObject({
      reason: 'payload_too_large',
      dataTruncated: true,
      dataLength: Buffer.from(big).toString('base64').length,
      data: expect.stringMatching(/^eyJpZCI6ImstYmlnIiw/),
    });
  });

  it('gives an event without an id the same id on every redelivery, so a retried batch stores it once', async () => {
    const event = await deliver([{ data: json({ type: 'page.viewed', source: 'retry-test', data: {} }), partitionKey: 'a' }]);
    const arrival = event.Records[0]!.kinesis.approximateArrivalTimestamp * 1000;
    const window = { from: new Date(arrival - 60_000).toISOString(), to: new Date(arrival + 60_000).toISOString(), source: 'retry-test', limit: 10 };

    await handlerWith()(event);
    await handlerWith()(event);

    const { events } = await store.query(window);
    expect(events).toHaveLength(1);
    expect(events[0]?.id).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('reports a record the store could not take as a batch item failure, and stores the others', async () => {
    const event = await deliver([
      { data: json({ id: 'o-1', type: 't', source: 'outage' }), partitionKey: 'a' },
      { data: json({ id: 'o-2', type: 't', source: 'outage' }), partitionKey: 'a' },
      { data: json({ id: 'o-3', type: 't', source: 'outage' }), partitionKey: 'a' },
    ]);
    const flaky: Pick<EventStore, 'put' | 'get'> = {
      put: (e: EngineEvent) => (e.id === 'o-2' ? Promise.reject(new RetryableError('ProvisionedThroughputExceededException')) : store.put(e)),
      get: (id) => store.get(id),
    };

    const response = await handlerWith(flaky)(event);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }] });
    expect(await store.get('o-1')).toBeDefined();
    expect(await store.get('o-3')).toBeDefined();
    expect(deadLetters()).toEqual([]);
  });

  it('reports a poison record as a batch item failure when the dead-letter queue is unavailable, so it is not lost', async () => {
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    const event = await deliver([{ data: Buffer.from('{'), partitionKey: 'a' }]);

    const response = await handlerWith()(event);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }] });
  });
});

describe('Kinesis ingest configuration from the environment', () => {
  it('names each missing variable', () => {
    expect(() => kinesisDepsFromEnv({})).toThrow('Invalid environment: EVENTS_TABLE is not set; DEAD_LETTER_QUEUE_URL is not set');
  });
});
