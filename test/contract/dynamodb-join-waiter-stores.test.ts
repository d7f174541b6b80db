import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbJoinStore, joinKey } from '../../lambdas/aws/dynamodb-join-store.js';
import { DynamoDbWaiterStore, waiterKey } from '../../lambdas/aws/dynamodb-waiter-store.js';
import { compileRules, executionName, parseRules, type EngineEvent, type Rule } from '../../lambdas/core/index.js';
import { createStateTable, startDynalite, uniqueTableName, type Dynalite } from '../support/dynalite.js';

const BASE = Date.parse('2026-11-20T10:00:00.000Z');
const NOW = BASE + 60 * 60_000;

let dynamo: Dynalite;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.client();
});

afterAll(async () => {
  await dynamo?.close();
});

async function aStateTable(): Promise<string> {
  const tableName = uniqueTableName('state');
  await createStateTable(client, tableName);
  return tableName;
}

const rawItem = async (tableName: string, key: { pk: string; sk: string }) => {
  const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key), ConsistentRead: true }));
  return Item === undefined ? undefined : unmarshall(Item);
};

/** An event `minute` minutes after BASE. */
const anEvent = (id: string, type: string, correlationId: string | undefined, minute: number, data: Record<string, unknown> = {}): EngineEvent => ({
  id, type, source: 'state-test', timestamp: new Date(BASE + minute * 60_000).toISOString(), data, ...(correlationId ? { correlationId } : {}),
});

describe('DynamoDbJoinStore (on dynalite)', () => {
  const [rule] = compileRules(
    parseRules('rules:\n  - id: ship-when-ready\n    all: [payment.received, stock.reserved]\n    within: 15m\n    workflow: send_confirmation\n', 'join.yaml'),
  ).rules as Rule[];
  const join = rule as Rule;

  it('answers nothing until every type has arrived, then the one trigger named by rule and correlation', async () => {
    const joins = new DynamoDbJoinStore({ client, tableName: await aStateTable(), clock: { now: () => NOW } });
    const payment = anEvent('p-1', 'payment.received', 'o-1', 0);
    const stock = anEvent('s-1', 'stock.reserved', 'o-1', 5);

    expect(await joins.offer(join, payment)).toBeUndefined();
    const trigger = await joins.offer(join, stock);

    expect(trigger).toEqual({
      workflowId: 'send_confirmation',
      ruleId: 'ship-when-ready',
      executionName: executionName('ship-when-ready', 'join\u0000o-1'),
      input: { event: stock, events: [payment, stock], rule: { id: 'ship-when-ready', priority: 0 }, correlationId: 'o-1' },
    });
  });

  it('keeps the newer event of a type, so that an older one delivered late changes nothing', async () => {
    const tableName = await aStateTable();
    const joins = new DynamoDbJoinStore({ client, tableName, clock: { now: () => NOW } });
    await joins.offer(join, anEvent('p-2', 'payment.received', 'o-2', 7));

    await joins.offer(join, anEvent('p-1', 'payment.received', 'o-2', 0));

    expect(await rawItem(tableName, { pk: joinKey('ship-when-ready', 'o-2'), sk: 'payment.received' })).toMatchObject({
      eventId: 'p-2',
      expiresAt: Math.floor(NOW / 1000) + 15 * 60 + 86_400,
    });
  });

  it('answers the same trigger again for a redelivered event (its start is idempotent)', async () => {
    const joins = new DynamoDbJoinStore({ client, tableName: await aStateTable(), clock: { now: () => NOW } });
    const stock = anEvent('s-1', 'stock.reserved', 'o-3', 5);
    await joins.offer(join, anEvent('p-1', 'payment.received', 'o-3', 0));
    const first = await joins.offer(join, stock);

    expect(await joins.offer(join, stock)).toEqual(first);
  });

  it('does not complete a join whose events are further apart than the window', async () => {
    const joins = new DynamoDbJoinStore({ client, tableName: await aStateTable(), clock: { now: () => NOW } });
    await joins.offer(join, anEvent('p-1', 'payment.received', 'o-4', 0));

    expect(await joins.offer(join, anEvent('s-1', 'stock.reserved', 'o-4', 20))).toBeUndefined();
  });

  it('ignores an event without a correlationId', async () => {
    const joins = new DynamoDbJoinStore({ client, tableName: await aStateTable(), clock: { now: () => NOW } });

    expect(await joins.offer(join, anEvent('p-1', 'payment.received', undefined, 0))).toBeUndefined();
  });
});

describe('DynamoDbWaiterStore (on dynalite)', () => {
  const expiresAt = new Date(NOW + 15 * 60_000).toISOString();

  it('stores a waiter under its correlation and type, with the wait\'s end as TTL', async () => {
    const tableName = await aStateTable();
    const waiters = new DynamoDbWaiterStore({ client, tableName });

    await waiters.add({ token: 'token-1', correlationId: 'o-1', eventType: 'payment.received', expiresAt, pattern: { data: { amount: [{ numeric: ['>', 0] }] } } });

    expect(await rawItem(tableName, waiterKey('o-1', 'payment.received', 'token-1'))).toEqual({
      ...waiterKey('o-1', 'payment.received', 'token-1'),
      token: 'token-1',
      correlationId: 'o-1',
      eventType: 'payment.received',
      pattern: JSON.stringify({ data: { amount: [{ numeric: ['>', 0] }] } }),
      expiresAt: Math.ceil(Date.parse(expiresAt) / 1000),
    });
  });

  it('finds the live waiters an event satisfies: same correlation, same type, pattern matched', async () => {
    const waiters = new DynamoDbWaiterStore({ client, tableName: await aStateTable() });
    await waiters.add({ token: 'plain', correlationId: 'o-1', eventType: 'payment.received', expiresAt });
    await waiters.add({ token: 'big-only', correlationId: 'o-1', eventType: 'payment.received', expiresAt, pattern: { data: { amount: [{ numeric: ['>=', 100] }] } } });
    await waiters.add({ token: 'expired', correlationId: 'o-1', eventType: 'payment.received', expiresAt: new Date(NOW - 1000).toISOString() });
    await waiters.add({ token: 'longer-type', correlationId: 'o-1', eventType: 'payment.received#refund', expiresAt });
    await waiters.add({ token: 'other-order', correlationId: 'o-2', eventType: 'payment.received', expiresAt });

    const tokens = async (event: EngineEvent) => (await waiters.matching(event, NOW)).map((w) => w.token).sort();

    expect(await tokens(anEvent('e-1', 'payment.received', 'o-1', 1, { amount: 20 }))).toEqual(['plain']);
    expect(await tokens(anEvent('e-2', 'payment.received', 'o-1', 1, { amount: 250 }))).toEqual(['big-only', 'plain']);
    expect(await tokens(anEvent('e-3', 'payment.received', undefined, 1, { amount: 250 }))).toEqual([]);
  });

  it('removes a waiter', async () => {
    const waiters = new DynamoDbWaiterStore({ client, tableName: await aStateTable() });
    const stored = await waiters.add({ token: 'token-1', correlationId: 'o-1', eventType: 'payment.received', expiresAt });

    await waiters.remove(stored);

    expect(await waiters.matching(anEvent('e-1', 'payment.received', 'o-1', 1), NOW)).toEqual([]);
  });
});
