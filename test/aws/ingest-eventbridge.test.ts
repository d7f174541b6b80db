import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_SOURCES } from '../../lib/bus-ingestion.js';
import { createEventBridgeIngestHandler, type EventBridgeDelivery, type EventBridgeIngestHandler } from '../../lambdas/aws/eventbridge/ingest-eventbridge.js';
import { eventBridgeDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { storedEvent } from './support/fixtures.js';
import { receiveAllJson } from './support/queues.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

describe('EventBridge ingestion on AWS: engine bus → forwarding rule → EventBridge ingest Lambda → Events table', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let ingest: EventBridgeIngestHandler;

  /** Puts entries on the engine bus; answers the event ids EventBridge gave them. */
  const putOnBus = async (...entries: Array<Omit<PutEventsRequestEntry, 'EventBusName'>>): Promise<string[]> => {
    const { FailedEntryCount, Entries = [] } = await aws.eventBridge.send(
      new PutEventsCommand({ Entries: entries.map((entry) => ({ EventBusName: engine.bus.busName, ...entry })) }),
    );
    expect(FailedEntryCount).toBe(0);
    return Entries.map((entry) => entry.EventId as string);
  };

  /** What the rule delivered to its target (a queue here, the ingest Lambda on AWS): the events as a Lambda target receives them. */
  const deliveries = () => receiveAllJson<EventBridgeDelivery>(aws.sqs, engine.busTarget.url);

  beforeAll(async () => {
    aws = awsClients();
    engine = await createEngineResources(aws);
    // The production wiring, from the environment the BusIngestion construct gives the function.
    ingest = createEventBridgeIngestHandler(eventBridgeDepsFromEnv(engine.env.ingestEventBridge));
  });

  afterAll(() => aws.destroy());

  it('stores an event put on the engine bus: detail-type → type, detail → data, its EventBridge id and time', async () => {
    const [id] = await putOnBus({
      Source: 'web-app',
      DetailType: 'user_registration',
      Detail: JSON.stringify({ userId: 'u-1', user_type: 'premium', correlationId: 'acct-1' }),
      Time: new Date('2026-03-04T05:06:07Z'),
    });

    const delivered = await deliveries();
    for (const delivery of delivered) await ingest(delivery);

    expect(delivered.map((d) => d.id)).toEqual([id]);
    expect(await storedEvent(aws.dynamodb, engine.eventsTable.tableName, id as string)).toEqual({
      id,
      type: 'user_registration',
      source: 'web-app',
      timestamp: '2026-03-04T05:06:07.000Z',
      correlationId: 'acct-1',
      data: { userId: 'u-1', user_type: 'premium', correlationId: 'acct-1' },
    });
  });

  it("does not forward the engine's own replayed and lifecycle events back into ingestion", async () => {
    const [, , outside] = await putOnBus(...ENGINE_SOURCES.map((source) => ({ Source: source, DetailType: 'user_registration', Detail: '{"user_type":"premium"}' })), {
      Source: 'billing',
      DetailType: 'invoice.paid',
      Detail: '{"amount":12}',
    });

    const delivered = await deliveries();

    expect(ENGINE_SOURCES).toEqual(['edwe.replay', 'edwe.workflows']);
    expect(delivered.map((d) => [d.id, d.source])).toEqual([[outside, 'billing']]);
  });

  it('stores a redelivered event once: the second delivery is answered as a duplicate', async () => {
    await putOnBus({ Source: 'billing', DetailType: 'invoice.paid', Detail: '{"amount":30}' });
    const [delivery] = await deliveries();

    const first = await ingest(delivery as EventBridgeDelivery);
    const second = await ingest(delivery as EventBridgeDelivery);

    expect([first.duplicate, second.duplicate]).toEqual([false, true]);
  });
});
