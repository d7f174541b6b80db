import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbWaiterStore, waiterKey } from '../../lambdas/aws/dynamodb-waiter-store.js';
import { useDynalite } from '../support/dynalite.js';
import { describeWaiterStoreContract } from './waiter-store.contract.js';

const dynalite = useDynalite();

describeWaiterStoreContract('DynamoDbWaiterStore (on dynalite)', async () => ({
  waiters: new DynamoDbWaiterStore({ client: dynalite.client(), tableName: await dynalite.stateTable() }),
  close: async () => undefined,
}));

describe('DynamoDbWaiterStore items (on dynalite)', () => {
  it("stores a waiter under its correlation and type, with the wait's end as TTL", async () => {
    const client = dynalite.client();
    const tableName = await dynalite.stateTable();
    const waiters = new DynamoDbWaiterStore({ client, tableName });
    const expiresAt = new Date(Date.now() + 15 * 60_000).toISOString();

    const stored = await waiters.add({
      token: 'token-1',
      correlationId: 'o-1',
      eventType: 'payment.received',
      expiresAt,
      pattern: { data: { amount: [{ numeric: ['>', 0] }] } },
    });

    const key = waiterKey('o-1', 'payment.received', 'token-1');
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key), ConsistentRead: true }));
    expect(Item === undefined ? undefined : unmarshall(Item)).toEqual({
      ...key,
      token: 'token-1',
      correlationId: 'o-1',
      eventType: 'payment.received',
      pattern: JSON.stringify({ data: { amount: [{ numeric: ['>', 0] }] } }),
      expiresAt: Math.ceil(Date.parse(expiresAt) / 1000),
    });
    expect(stored).toEqual({ token: 'token-1', correlationId: 'o-1', key: key.sk });
  });
});
