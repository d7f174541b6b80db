import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbJoinStore, joinKey } from '../../lambdas/aws/dynamodb-join-store.js';
import { compileRules, parseRules, type EngineEvent, type Rule } from '../../lambdas/core/index.js';
import { useDynalite } from '../support/dynalite.js';
import { describeJoinStoreContract } from './join-store.contract.js';

// Times follow the clock the suite runs under.
const NOW = Date.now();
const BASE = NOW - 60 * 60_000;

const dynalite = useDynalite();

describeJoinStoreContract('DynamoDbJoinStore (on dynalite)', async ({ now }) => ({
  joins: new DynamoDbJoinStore({ client: dynalite.client(), tableName: await dynalite.stateTable(), clock: { now } }),
  close: async () => undefined,
}));

describe('DynamoDbJoinStore items and redeliveries (on dynalite)', () => {
  const join = compileRules(
    parseRules('rules:\n  - id: ship-when-ready\n    all: [payment.received, stock.reserved]\n    within: 15m\n    workflow: send_confirmation\n', 'join.yaml'),
  ).rules[0] as Rule;
  /** An event `minute` minutes after BASE. */
  const anEvent = (id: string, type: string, correlationId: string, minute: number): EngineEvent => ({
    id,
    type,
    source: 'state-test',
    timestamp: new Date(BASE + minute * 60_000).toISOString(),
    data: {},
    correlationId,
  });

  it('keeps the newer event of a type in its item, which outlives the window by a day', async () => {
    const client = dynalite.client();
    const tableName = await dynalite.stateTable();
    const joins = new DynamoDbJoinStore({ client, tableName, clock: { now: () => NOW } });
    await joins.offer(join, anEvent('p-2', 'payment.received', 'o-2', 7));

    await joins.offer(join, anEvent('p-1', 'payment.received', 'o-2', 0));

    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: marshall({ pk: joinKey('ship-when-ready', 'o-2'), sk: 'payment.received' }), ConsistentRead: true }),
    );
    expect(Item === undefined ? undefined : unmarshall(Item)).toMatchObject({ eventId: 'p-2', expiresAt: Math.floor(NOW / 1000) + 15 * 60 + 86_400 });
  });

  it('answers the same trigger again for a redelivered event (its start is idempotent, and a failed one must be made by the retry)', async () => {
    const joins = new DynamoDbJoinStore({ client: dynalite.client(), tableName: await dynalite.stateTable(), clock: { now: () => NOW } });
    const stock = anEvent('s-1', 'stock.reserved', 'o-3', 5);
    await joins.offer(join, anEvent('p-1', 'payment.received', 'o-3', 0));
    const first = await joins.offer(join, stock);

    expect(first).toBeDefined();
    expect(await joins.offer(join, stock)).toEqual(first);
  });
});
