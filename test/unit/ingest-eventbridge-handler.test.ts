import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { ConflictError, RetryableError, ValidationError } from '../../lambdas/core/index.js';
import { createEventBridgeIngestHandler, type EventBridgeIngestHandler } from '../../lambdas/aws/eventbridge/ingest-eventbridge.js';
import { eventBridgeDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { useDynalite } from '../support/dynalite.js';
import { eventBridgeEvent } from '../support/event-shapes.js';

const silent = new Logger({ logLevel: 'SILENT' });

describe('EventBridge ingest handler (store on dynalite)', () => {
  const dynalite = useDynalite();
  let store: DynamoDbEventStore;
  let ingest: EventBridgeIngestHandler;

  beforeAll(async () => {
    store = new DynamoDbEventStore({ client: dynalite.client(), tableName: await dynalite.eventsTable() });
    ingest = createEventBridgeIngestHandler({ store, logger: silent });
  });

  it('maps detail-type → type, source, detail → data, time → timestamp and keeps the EventBridge id', async () => {
    const delivery = eventBridgeEvent({ id: 'eb-1', detail: { userId: 'u-1', user_type: 'premium', correlationId: 'signup-1' } });

    expect(await ingest(delivery)).toEqual({ id: 'eb-1', duplicate: false });

    expect(await store.get('eb-1')).toEqual({
      id: 'eb-1',
      type: 'user_registration',
      source: 'web-app',
      timestamp: '2017-12-22T18:43:48.000Z',
      data: { userId: 'u-1', user_type: 'premium', correlationId: 'signup-1' },
      correlationId: 'signup-1',
    });
  });

  it('stores an AWS service event as it comes (EC2 state change, from the AWS documentation)', async () => {
    const delivery = eventBridgeEvent({
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
      detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
    });

    await ingest(delivery);

    expect(await store.get('7bf73129-1428-4cd3-a780-95db273d1602')).toMatchObject({
      type: 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      data: { state: 'terminated' },
    });
  });

  it('answers a redelivered event as a duplicate', async () => {
    await ingest(eventBridgeEvent({ id: 'eb-dup' }));

    expect(await ingest(eventBridgeEvent({ id: 'eb-dup' }))).toEqual({ id: 'eb-dup', duplicate: true });
  });

  it('throws a ValidationError naming the path for an event the envelope refuses, and stores nothing', async () => {
    const delivery = eventBridgeEvent({ id: 'eb-bad', 'detail-type': '' });

    const refusal = await ingest(delivery).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(ValidationError);
    expect(refusal).toMatchObject({ message: 'Invalid event: type: must not be empty', details: [{ path: 'type', message: 'must not be empty' }] });
    expect(await store.get('eb-bad')).toBeUndefined();
  });

  it('throws a ConflictError for a known id with other content', async () => {
    await ingest(eventBridgeEvent({ id: 'eb-conflict', detail: { v: 1 } }));

    await expect(ingest(eventBridgeEvent({ id: 'eb-conflict', detail: { v: 2 } }))).rejects.toBeInstanceOf(ConflictError);
  });

  it('throws the RetryableError of a store outage, so Lambda retries the event', async () => {
    const outage = createEventBridgeIngestHandler({ store: { put: () => Promise.reject(new RetryableError('throttled')), get: async () => undefined }, logger: silent });

    await expect(outage(eventBridgeEvent())).rejects.toBeInstanceOf(RetryableError);
  });
});

describe('EventBridge ingest configuration from the environment', () => {
  it('names the missing variable', () => {
    expect(() => eventBridgeDepsFromEnv({})).toThrow('Invalid environment: EVENTS_TABLE is not set');
  });
});
