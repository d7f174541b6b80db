/**
 * The partial-failure injection itself, on dynalite: a BatchWriteItem with some requests failed writes only the others
 * and returns the failed ones in `UnprocessedItems`, as DynamoDB does under throttling. (No engine adapter batches
 * writes today — each write is its own conditional put — so this is what a future batching adapter is tested with.)
 */
import { BatchWriteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { injectPartialFailures } from '../support/aws-faults.js';
import { useDynalite } from '../support/dynalite.js';

const dynalite = useDynalite();

describe('partial BatchWriteItem failures (injected)', () => {
  it('writes only the requests not failed, and answers the failed ones in UnprocessedItems, exactly', async () => {
    const config = dynalite.client().config;
    const endpoint = await config.endpoint?.();
    const client = new DynamoDBClient({ ...(endpoint === undefined ? {} : { endpoint }), region: await config.region(), credentials: await config.credentials() });
    let n = 0;
    // Every third draw fails its request (the draws: one per request, then one for the call's code).
    const injected = injectPartialFailures(client, { rate: 0.5, random: () => (n++ % 3 === 0 ? 0 : 0.9) });
    const tableName = await dynalite.eventsTable('batch');
    const requests = Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `item-${i}` } } } }));

    const answer = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));

    const unprocessed = (answer.UnprocessedItems?.[tableName] ?? []).map((r) => r.PutRequest?.Item?.pk?.S);
    const stored: string[] = [];
    for (const { PutRequest } of requests) {
      const key = PutRequest.Item.pk.S;
      const { Item } = await dynalite.client().send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
      if (Item !== undefined) stored.push(key);
    }
    expect(injected.failedEntries).toBe(unprocessed.length);
    expect(unprocessed.length).toBeGreaterThan(0);
    expect([...stored, ...unprocessed].sort()).toEqual(requests.map((r) => r.PutRequest.Item.pk.S).sort());
    expect(stored.filter((key) => unprocessed.includes(key))).toEqual([]);
    client.destroy();
  });
});
