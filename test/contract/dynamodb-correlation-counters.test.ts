import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_SK,
  activityKey,
  activityMinute,
  activityShardKey,
  DynamoDbCorrelationCounters,
  recentEventAttribute,
} from '../../lambdas/aws/dynamodb-correlation-counters.js';
import { RECENT_EVENT_SLOTS, recentEventMark } from '../../lambdas/core/app/correlation-activity.js';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';
import { useDynalite } from '../support/dynalite.js';
import { describeCorrelationCountersContract } from './correlation-counters.contract.js';

const dynalite = useDynalite();
const aStore = async (clock: { ms: number }) => {
  const client = dynalite.client();
  const tableName = await dynalite.stateTable();
  return { client, tableName, store: new DynamoDbCorrelationCounters({ client, tableName, clock: { now: () => clock.ms } }) };
};

describeCorrelationCountersContract('DynamoDbCorrelationCounters (on dynalite)', async (clock) => ({ store: (await aStore(clock)).store, close: async () => undefined }));

describe('DynamoDbCorrelationCounters items (on dynalite)', () => {
  it('keeps one item per correlation under CORR#, indexed by shard and the minute of its last activity, expiring a day after it', async () => {
    const clock = { ms: Date.now() };
    const { client, tableName, store } = await aStore(clock);

    await store.record([{ correlationId: 'order-7', events: 1, workflowIds: ['fulfil', 'audit'] }]);

    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall({ pk: activityKey('order-7'), sk: ACTIVITY_SK }) }));
    const item = unmarshall(Item ?? {});
    expect(activityKey('order-7').startsWith(STATE_TABLE.prefix.correlation)).toBe(true);
    expect(item).toMatchObject({
      correlationId: 'order-7',
      firstAt: clock.ms,
      lastAt: clock.ms,
      events: 1,
      workflows: new Set(['fulfil', 'audit']),
      [STATE_TABLE.byActivity.partitionKey]: activityShardKey('order-7'),
      [STATE_TABLE.byActivity.sortKey]: activityMinute(clock.ms),
      [STATE_TABLE.ttlAttribute]: Math.floor(clock.ms / 1000) + 86_400,
    });
  });

  it('spreads correlations over every activity shard, and holds only keys in the index', async () => {
    const clock = { ms: Date.now() };
    const { client, tableName, store } = await aStore(clock);
    const ids = Array.from({ length: 64 }, (_, i) => `c-${i}`);
    await store.record(ids.map((correlationId) => ({ correlationId, events: 1, workflowIds: ['w'] })));

    const shards = new Set(ids.map(activityShardKey));
    const { Items } = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: STATE_TABLE.byActivity.indexName,
        KeyConditionExpression: 'apk = :apk',
        ExpressionAttributeValues: marshall({ ':apk': activityShardKey('c-0') }),
      }),
    );

    expect(shards.size).toBe(STATE_TABLE.activityShards);
    expect(Object.keys(unmarshall(Items?.[0] ?? {})).sort()).toEqual(['apk', 'ask', 'pk', 'sk']);
  });

  it('remembers counted events in at most 32 slots: a long correlation’s item stays under 1 KB, one write unit', async () => {
    const clock = { ms: Date.now() };
    const { client, tableName, store } = await aStore(clock);
    const correlationId = 'order-0f8fad5b-d9cb-469f-a165-70867728950e';
    for (let i = 0; i < 80; i++)
      await store.record([{ correlationId, events: 1, workflowIds: i < 3 ? [`workflow-number-${i}`] : [], eventId: `01JEVENT${String(i).padStart(18, '0')}` }]);

    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall({ pk: activityKey(correlationId), sk: ACTIVITY_SK }) }));
    const item = unmarshall(Item ?? {});
    const slots = Object.keys(item).filter((name) => /^r\d+$/.test(name));
    expect(slots.length).toBeLessThanOrEqual(RECENT_EVENT_SLOTS);
    expect(slots.length).toBeGreaterThan(RECENT_EVENT_SLOTS / 2);
    expect(item.events).toBe(80);
    // DynamoDB's item size: names and values in bytes, a number at most 21 bytes.
    const size = Object.entries(item).reduce((sum, [name, value]) => {
      const bytes =
        typeof value === 'number' ? 21 : value instanceof Set ? [...value].reduce((s, v) => s + Buffer.byteLength(String(v)), 0) : Buffer.byteLength(String(value));
      return sum + Buffer.byteLength(name) + bytes;
    }, 0);
    expect(size).toBeLessThan(1024);
  });

  it('counts an event again only when another event of the correlation took its slot since (the bound of remembering 32)', async () => {
    const clock = { ms: Date.now() };
    const { client, tableName, store } = await aStore(clock);
    const first = 'evt-0';
    const { slot } = recentEventMark(first);
    const rival = Array.from({ length: 1000 }, (_, i) => `evt-${i + 1}`).find((id) => recentEventMark(id).slot === slot) as string;
    const touch = (eventId: string) => ({ correlationId: 'order-9', events: 1, workflowIds: [], eventId });

    await store.record([touch(first)]);
    await store.record([touch(first)]);
    await store.record([touch(rival)]);
    await store.record([touch(first)]);

    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall({ pk: activityKey('order-9'), sk: ACTIVITY_SK }) }));
    expect(unmarshall(Item ?? {})).toMatchObject({ events: 3, [recentEventAttribute(slot)]: recentEventMark(first).tag });
  });

  it('names the minute in UTC, so that index order is time order', () => {
    expect(activityMinute(Date.UTC(2030, 0, 2, 3, 4, 59, 999))).toBe('2030-01-02T03:04');
    expect(activityMinute(Date.UTC(2030, 0, 2, 3, 5)) > activityMinute(Date.UTC(2030, 0, 2, 3, 4, 59))).toBe(true);
  });
});
