import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { SqsDeadLetterQueue } from '../../lambdas/aws/sqs-dead-letter-queue.js';
import { RetryableError, type EngineEvent, type EventStore } from '../../lambdas/core/index.js';
import { createKafkaIngestHandler } from '../../lambdas/aws/streams/ingest-kafka.js';
import { kafkaDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { useDynalite } from '../support/dynalite.js';
import { kafkaRecord, mskEvent, selfManagedKafkaEvent } from '../support/event-shapes.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/edwe-ingest-dead-letters';
const NOW = Date.parse('2026-11-01T12:00:00.000Z');
const silent = new Logger({ logLevel: 'SILENT' });
const sqs = mockClient(SQSClient);

const anEvent = (id: string) => ({ id, type: 'order.placed', source: 'kafka-test', timestamp: '2026-11-01T10:00:00Z', data: { id } });
const sentMessages = () => sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);

describe('Kafka ingest handler (store on dynalite)', () => {
  const dynalite = useDynalite();
  let store: DynamoDbEventStore;

  const handlerWith = (eventStore: Pick<EventStore, 'put' | 'get'> = store) =>
    createKafkaIngestHandler({
      store: eventStore,
      deadLetters: new SqsDeadLetterQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE_URL, clock: { now: () => NOW } }),
      logger: silent,
    });

  beforeAll(async () => {
    store = new DynamoDbEventStore({ client: dynalite.client(), tableName: await dynalite.eventsTable(), clock: { now: () => NOW } });
  });

  afterAll(() => {
    sqs.restore();
  });

  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  });

  it('stores the records of every partition of an MSK batch and sends only the poison one to the dead-letter queue', async () => {
    const poison = kafkaRecord('orders', 1, 7, '{"type": ');
    const event = mskEvent(kafkaRecord('orders', 0, 15, anEvent('kf-1')), kafkaRecord('orders', 0, 16, anEvent('kf-2')), poison, kafkaRecord('orders', 1, 8, anEvent('kf-3')));

    const response = await handlerWith()(event);

    expect(response).toEqual({ batchItemFailures: [] });
    for (const id of ['kf-1', 'kf-2', 'kf-3']) expect(await store.get(id)).toEqual({ ...anEvent(id), timestamp: '2026-11-01T10:00:00.000Z' });
    expect(sentMessages()).toEqual([
      {
        QueueUrl: QUEUE_URL,
        MessageBody: expect.any(String),
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'validation_error' }, source: { DataType: 'String', StringValue: 'kafka' } },
      },
    ]);
    expect(JSON.parse(sentMessages()[0]?.MessageBody as string)).toEqual({
      source: 'kafka',
      reason: 'validation_error',
      message: expect.stringMatching(/^The body is not valid JSON: /),
      details: [{ path: '(body)', message: expect.any(String) }],
      record: { topic: 'orders', partition: 1, offset: 7, timestamp: poison.timestamp, key: poison.key },
      data: poison.value,
      failedAt: '2026-11-01T12:00:00.000Z',
    });
  });

  it('accepts the self-managed Kafka shape and CloudEvents values, giving an event without a timestamp the record time', async () => {
    const event = selfManagedKafkaEvent(
      kafkaRecord('billing', 0, 3, { specversion: '1.0', id: 'kf-ce', source: '/billing', type: 'invoice.paid', data: { amount: 5 } }),
      kafkaRecord('billing', 0, 4, { id: 'kf-no-time', type: 't', source: 'kafka-test' }),
    );

    expect(await handlerWith()(event)).toEqual({ batchItemFailures: [] });

    expect(await store.get('kf-ce')).toMatchObject({ type: 'invoice.paid', source: '/billing', data: { amount: 5 }, timestamp: new Date(1545084650987 + 3).toISOString() });
    expect((await store.get('kf-no-time'))?.timestamp).toBe(new Date(1545084650987 + 4).toISOString());
  });

  it('sends a tombstone (a record without a value) to the dead-letter queue', async () => {
    const tombstone = { ...kafkaRecord('orders', 0, 30, {}), value: null as unknown as string };

    expect(await handlerWith()(mskEvent(tombstone))).toEqual({ batchItemFailures: [] });

    expect(JSON.parse(sentMessages()[0]?.MessageBody as string)).toMatchObject({ reason: 'validation_error', message: 'The record has no value' });
  });

  it('stops a partition at a store outage and reports where it resumes; other partitions go on', async () => {
    const flaky: Pick<EventStore, 'put' | 'get'> = {
      put: (e: EngineEvent) => (e.id === 'out-2' ? Promise.reject(new RetryableError('throttled')) : store.put(e)),
      get: (id) => store.get(id),
    };
    const event = mskEvent(
      kafkaRecord('orders', 0, 40, anEvent('out-1')),
      kafkaRecord('orders', 0, 41, anEvent('out-2')),
      kafkaRecord('orders', 0, 42, anEvent('out-3')),
      kafkaRecord('orders', 2, 9, anEvent('out-4')),
    );

    const response = await handlerWith(flaky)(event);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 41 } }] });
    expect(await store.get('out-1')).toBeDefined();
    expect(await store.get('out-3')).toBeUndefined();
    expect(await store.get('out-4')).toBeDefined();
  });

  it('stores a redelivered record once', async () => {
    const event = mskEvent(kafkaRecord('orders', 3, 1, { type: 'page.viewed', source: 'kafka-redelivery' }));

    await handlerWith()(event);
    await handlerWith()(event);

    const { events } = await store.query({ source: 'kafka-redelivery', from: '2018-12-17T00:00:00Z', to: '2018-12-18T00:00:00Z', limit: 10 });
    expect(events).toHaveLength(1);
  });
});

describe('Kafka ingest configuration from the environment', () => {
  it('names each missing variable', () => {
    expect(() => kafkaDepsFromEnv({ EVENTS_TABLE: 'Events' })).toThrow('Invalid environment: DEAD_LETTER_QUEUE_URL is not set');
  });
});
