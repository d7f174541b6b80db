import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbEventStore, eventKey, fromItem, toItem } from '../../lambdas/aws/dynamodb-event-store.js';
import { timeShardOf } from '../../lambdas/aws/event-item.js';
import { TIME_SHARDS } from '../../lambdas/layout/events-table.js';
import { decodeCursor, ValidationError, type EngineEvent } from '../../lambdas/core/index.js';
import { useDynalite } from '../support/dynalite.js';
import { describeEventStoreContract } from './event-store.contract.js';
import { anEvent, byTimeThenId, HOUR, putAll, T0 } from './event-store.fixtures.js';

const RECEIVED_AT = Date.parse('2026-03-04T05:06:07.000Z');
const DAY = 86_400;

const dynalite = useDynalite();

/** A store on a fresh table, and a raw read of its items. */
async function aStore(options: Partial<ConstructorParameters<typeof DynamoDbEventStore>[0]> = {}) {
  const client = dynalite.client();
  const tableName = await dynalite.eventsTable();
  const store = new DynamoDbEventStore({ client, tableName, retentionDays: 7, clock: { now: () => RECEIVED_AT }, ...options });
  const storedItem = async (id: string) => {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: eventKey(id) } }, ConsistentRead: true }));
    return Item === undefined ? undefined : unmarshall(Item);
  };
  return { store, storedItem };
}

describeEventStoreContract('DynamoDbEventStore (on dynalite)', async ({ retentionDays, now }) => {
  const { store, storedItem } = await aStore({ retentionDays, clock: { now } });
  return {
    store,
    expiresAtOf: async (id) => (await storedItem(id))?.expiresAt as number | undefined,
    close: async () => undefined,
  };
});

describe('DynamoDbEventStore item layout (on dynalite)', () => {
  it('writes the item as designed: key, envelope fields, body, TTL and index keys', async () => {
    const { store, storedItem } = await aStore();
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
    const { store, storedItem } = await aStore();
    const event = anEvent();
    await store.put(event);

    const item = await storedItem(event.id);

    expect(item).not.toHaveProperty('cpk');
    expect(item).not.toHaveProperty('correlationId');
  });
});

describe('DynamoDbEventStore reads across time shards (on dynalite)', () => {
  /** Events over three hours with every time shard of every hour holding at least `perShard` of them, many sharing a timestamp. */
  function everyShardOfThreeHours(prefix: string, perShard: number): EngineEvent[] {
    const events: EngineEvent[] = [];
    for (let hour = 0; hour < 3; hour++) {
      const counts = new Array<number>(TIME_SHARDS).fill(0);
      for (let k = 0; counts.some((c) => c < perShard); k++) {
        const id = `${prefix}-${hour}-${String(k).padStart(4, '0')}`;
        counts[timeShardOf(id)]!++;
        events.push(anEvent({ id, timestamp: new Date(T0 + hour * HOUR + (k % 7) * 60_000).toISOString() }));
      }
    }
    return events;
  }

  it('merges every shard of every hour in (timestamp, id) order, in a range, after a position and in a page', async () => {
    const { store } = await aStore();
    const events = everyShardOfThreeHours('shards', 2);
    await putAll(store, events);
    const sorted = [...events].sort(byTimeThenId);
    const [from, to] = [new Date(T0).toISOString(), new Date(T0 + 3 * HOUR).toISOString()];
    const middle = sorted[Math.floor(sorted.length / 2)] as EngineEvent;

    const ranged: string[] = [];
    for await (const event of store.range(from, to)) ranged.push(event.id);
    const after: string[] = [];
    for await (const event of store.range(from, to, { timestamp: middle.timestamp, id: middle.id })) after.push(event.id);
    const page = await store.query({ from, to, limit: 1000 });

    expect(events.length).toBeGreaterThanOrEqual(3 * TIME_SHARDS * 2);
    expect(ranged).toEqual(sorted.map((e) => e.id));
    expect(after).toEqual(sorted.slice(sorted.indexOf(middle) + 1).map((e) => e.id));
    expect(page.events.map((e) => e.id)).toEqual(sorted.map((e) => e.id));
  });
});

describe('DynamoDbEventStore queries over wide windows (on dynalite)', () => {
  it('answers a page with what it found and a cursor once it has read maxHoursPerPage hours, and the cursor finds the rest (no hour marks)', async () => {
    const { store } = await aStore({ maxHoursPerPage: 3, hourMarks: false });
    const early = anEvent({ timestamp: '2026-03-01T00:10:00.000Z' });
    const late = anEvent({ timestamp: '2026-03-01T07:20:00.000Z' });
    await store.put(late);
    await store.put(early);
    const window = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-01T09:00:00.000Z', limit: 10 };

    const first = await store.query(window);
    const second = await store.query({ ...window, after: decodeCursor(first.cursor as string) });
    const third = await store.query({ ...window, after: decodeCursor(second.cursor as string) });

    expect(first.events.map((e) => e.id)).toEqual([early.id]);
    expect(decodeCursor(first.cursor as string)).toEqual({ timestamp: '2026-03-01T03:00:00.000Z', id: '' });
    expect(second).toEqual({ events: [], cursor: expect.any(String) });
    expect(third).toEqual({ events: [late] });
  });

  it('with hour marks, reads only the marked hours, and the budget counts those', async () => {
    const { store } = await aStore({ maxHoursPerPage: 3 });
    const events = ['2026-03-01T00:10:00.000Z', '2026-03-01T07:20:00.000Z', '2026-03-01T08:00:00.000Z', '2026-03-01T13:00:00.000Z'].map((timestamp) => anEvent({ timestamp }));
    for (const event of events) await store.put(event);
    const window = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', limit: 10 };

    const first = await store.query(window);
    const second = await store.query({ ...window, after: decodeCursor(first.cursor as string) });

    expect(first.events).toEqual(events.slice(0, 3));
    expect(decodeCursor(first.cursor as string)).toEqual({ timestamp: '2026-03-01T13:00:00.000Z', id: '' });
    expect(second).toEqual({ events: events.slice(3) });
  });

  it('defaults a query without from to the retention period and without to to an hour past now', async () => {
    const { store } = await aStore({ retentionDays: 1 });
    const tooOld = anEvent({ timestamp: new Date(RECEIVED_AT - DAY * 1000 - 1).toISOString() });
    const oldest = anEvent({ timestamp: new Date(RECEIVED_AT - DAY * 1000).toISOString() });
    const soon = anEvent({ timestamp: new Date(RECEIVED_AT + 59 * 60_000).toISOString() });
    const tooLate = anEvent({ timestamp: new Date(RECEIVED_AT + 60 * 60_000).toISOString() });
    for (const event of [tooOld, oldest, soon, tooLate]) await store.put(event);

    expect((await store.query({ limit: 10 })).events.map((e) => e.id)).toEqual([oldest.id, soon.id]);
  });
});

describe('DynamoDbEventStore reads that page within a shard (on dynalite)', () => {
  it("follows each shard's LastEvaluatedKey: a range over 600 events of one shard, and a filter that matches 3 of them", async () => {
    const { store } = await aStore({ timeShards: 1 });
    const events = Array.from({ length: 600 }, (_, i) =>
      anEvent({
        id: `deep-${String(i).padStart(3, '0')}`,
        type: i % 200 === 7 ? 'rare' : 'common',
        timestamp: new Date(Date.parse('2026-03-04T02:00:00.000Z') + i * 1000).toISOString(),
      }),
    );
    for (let i = 0; i < events.length; i += 50) await Promise.all(events.slice(i, i + 50).map((e) => store.put(e)));

    const ranged: string[] = [];
    for await (const event of store.range('2026-03-04T02:00:00.000Z', '2026-03-04T03:00:00.000Z')) ranged.push(event.id);
    const first = await store.query({ from: '2026-03-04T02:00:00.000Z', to: '2026-03-04T03:00:00.000Z', type: 'rare', limit: 2 });
    const second = await store.query({
      from: '2026-03-04T02:00:00.000Z',
      to: '2026-03-04T03:00:00.000Z',
      type: 'rare',
      limit: 2,
      after: decodeCursor(first.cursor as string),
    });

    expect(ranged).toEqual(events.map((e) => e.id));
    expect(first.events.map((e) => e.id)).toEqual(['deep-007', 'deep-207']);
    expect(second).toEqual({ events: [events[407]] });
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
