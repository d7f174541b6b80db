import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore, eventKey, fromItem, toItem } from '../../lambdas/aws/dynamodb-event-store.js';
import { TIME_SHARDS } from '../../lambdas/aws/events-table.js';
import { ConflictError, ValidationError, type EngineEvent } from '../../lambdas/core/index.js';
import { createEventsTable, startDynalite, uniqueTableName, type Dynalite } from '../support/dynalite.js';

const RECEIVED_AT = Date.parse('2026-03-04T05:06:07.000Z');
const DAY = 86_400;

let counter = 0;
function anEvent(overrides: Partial<EngineEvent> = {}): EngineEvent {
  return {
    id: `01JTEST${String(++counter).padStart(6, '0')}`,
    type: 'user_registration',
    source: 'web-signup',
    timestamp: '2026-03-04T05:00:00.000Z',
    data: { userId: 'u-1', user_type: 'premium', plan: { seats: 5, tags: ['a', 'b'] } },
    ...overrides,
  };
}

describe('DynamoDbEventStore (on dynalite)', () => {
  let dynamo: Dynalite;
  let client: DynamoDBClient;
  let tableName: string;
  let store: DynamoDbEventStore;

  const storedItem = async (id: string) => {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: eventKey(id) } }, ConsistentRead: true }));
    return Item === undefined ? undefined : unmarshall(Item);
  };

  beforeAll(async () => {
    dynamo = await startDynalite();
    client = dynamo.client();
    tableName = uniqueTableName();
    await createEventsTable(client, tableName);
    store = new DynamoDbEventStore({ client, tableName, retentionDays: 7, clock: { now: () => RECEIVED_AT } });
  });

  afterAll(async () => {
    await dynamo?.close();
  });

  it('returns what was put, exactly', async () => {
    const event = anEvent({ correlationId: 'acct-1', data: { deep: { a: [1, { b: null }], 'odd key': 'é✓' } } });

    const result = await store.put(event);

    expect(result).toEqual({ id: event.id, duplicate: false });
    expect(await store.get(event.id)).toEqual(event);
  });

  it('returns undefined for an id never stored', async () => {
    expect(await store.get('no-such-event')).toBeUndefined();
  });

  it('stores the same event twice only once and reports the second as a duplicate', async () => {
    const event = anEvent();
    await store.put(event);

    const again = await store.put({ ...event, data: { ...event.data } });

    expect(again).toEqual({ id: event.id, duplicate: true });
    expect(await store.get(event.id)).toEqual(event);
  });

  it('treats a retry that was given a new receive timestamp, or reordered keys, as a duplicate', async () => {
    const event = anEvent({ data: { a: 1, b: 2 } });
    await store.put(event);

    const retry = await store.put({ ...event, timestamp: '2026-03-04T05:00:09.000Z', data: { b: 2, a: 1 } });

    expect(retry.duplicate).toBe(true);
    expect((await store.get(event.id))?.timestamp).toBe(event.timestamp);
  });

  it('refuses the same id with other content with a ConflictError and keeps the first', async () => {
    const event = anEvent();
    await store.put(event);

    await expect(store.put({ ...event, data: { userId: 'someone-else' } })).rejects.toBeInstanceOf(ConflictError);
    expect(await store.get(event.id)).toEqual(event);
  });

  it('writes the item as designed: key, envelope fields, body, TTL and index keys', async () => {
    const event = anEvent({ correlationId: 'acct-42' });
    await store.put(event);

    const item = await storedItem(event.id);

    expect(item).toMatchObject({
      pk: `EVT#${event.id}`,
      id: event.id,
      type: event.type,
      source: event.source,
      timestamp: event.timestamp,
      correlationId: 'acct-42',
      cpk: 'acct-42',
      receivedAt: '2026-03-04T05:06:07.000Z',
      expiresAt: RECEIVED_AT / 1000 + 7 * DAY,
      tsk: `${event.timestamp}#${event.id}`,
    });
    expect(item?.tpk).toMatch(/^2026-03-04T05#(\d|1[0-5])$/);
    expect(JSON.parse(item?.body as string)).toEqual(event);
  });

  it('leaves cpk out when the event has no correlationId, so byCorrelation stays sparse', async () => {
    const event = anEvent();
    await store.put(event);

    const item = await storedItem(event.id);

    expect(item).not.toHaveProperty('cpk');
    expect(item).not.toHaveProperty('correlationId');
  });
});

describe('toItem / fromItem', () => {
  const options = { receivedAtMs: RECEIVED_AT, retentionDays: 30 };

  it('round-trips an event through its item', () => {
    const event = anEvent({ correlationId: 'c-1' });
    expect(fromItem({ ...toItem(event, options) })).toEqual(event);
  });

  it('spreads events of one hour over every time shard', () => {
    const shards = new Set(Array.from({ length: 400 }, () => toItem(anEvent(), options).tpk));
    expect(shards.size).toBe(TIME_SHARDS);
  });

  it('refuses an item whose body is not a valid event', () => {
    const item = toItem(anEvent(), options);
    expect(() => fromItem({ ...item, body: 'not json' })).toThrow(ValidationError);
    expect(() => fromItem({ ...item, body: JSON.stringify({ id: item.id, timestamp: item.timestamp, source: 's' }) })).toThrow(/type/);
    expect(() => fromItem({ ...item, body: undefined })).toThrow(/body/);
  });
});
