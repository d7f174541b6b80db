import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbFlowStateStore, flowBucketKey, flowSkipsKey } from '../../lambdas/aws/dynamodb-flow-state-store.js';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';
import { useDynalite } from '../support/dynalite.js';
import { describeFlowStateStoreContract } from './flow-state-store.contract.js';

const NOW = Date.now();
const dynalite = useDynalite();
const aStore = async () => {
  const client = dynalite.client();
  const tableName = await dynalite.stateTable();
  return { client, tableName, store: new DynamoDbFlowStateStore({ client, tableName, retentionDays: 30, clock: { now: () => NOW } }) };
};

describeFlowStateStoreContract('DynamoDbFlowStateStore (on dynalite)', async () => ({ store: (await aStore()).store, close: async () => undefined }));

describe('DynamoDbFlowStateStore items (on dynalite)', () => {
  const item = async (client: Awaited<ReturnType<typeof aStore>>['client'], tableName: string, pk: string, sk: string) => {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall({ [STATE_TABLE.partitionKey]: pk, [STATE_TABLE.sortKey]: sk }) }));
    return Item === undefined ? undefined : unmarshall(Item);
  };

  it('keeps a bucket under FLOW# (the lifecycle function may write those keys only), its state and version in one item', async () => {
    const { client, tableName, store } = await aStore();

    await store.write({ ruleId: 'sync-account', key: 'a-1' }, { running: ['n-1'] }, 0);

    expect(flowBucketKey({ ruleId: 'sync-account', key: 'a-1' }).startsWith(STATE_TABLE.prefix.flow)).toBe(true);
    expect(await item(client, tableName, flowBucketKey({ ruleId: 'sync-account', key: 'a-1' }), 'state')).toMatchObject({ state: '{"running":["n-1"]}', version: 1 });
  });

  it('keeps apart keys that only a separator would confuse', async () => {
    const { store } = await aStore();

    await store.write({ ruleId: 'r', key: 'a#b' }, { running: ['x'] }, 0);

    expect(await store.read({ ruleId: 'r#a', key: 'b' })).toBeUndefined();
    expect(flowBucketKey({ ruleId: 'r', key: 'a#b' })).not.toBe(flowBucketKey({ ruleId: 'r#a', key: 'b' }));
  });

  it('lets a noted skip expire with its event (the retention), and never a state or a queued trigger', async () => {
    const { client, tableName, store } = await aStore();
    await store.noteSkip({ eventId: 'e-1', ruleId: 'welcome', reason: 'rate_limited' });

    const skip = await item(client, tableName, flowSkipsKey('e-1'), 'welcome');

    expect(skip?.[STATE_TABLE.ttlAttribute]).toBe(Math.floor(NOW / 1000) + 30 * 86_400);
  });

  it('hands back the first of a long queue without reading it all', async () => {
    const { store } = await aStore();
    const bucket = { ruleId: 'build-report', key: 'acme' };
    for (let i = 0; i < 30; i++) {
      const timestamp = new Date(NOW + i * 1000).toISOString();
      const event = { id: `e-${String(i).padStart(2, '0')}`, type: 't', source: 's', timestamp, data: {} };
      await store.enqueue(bucket, {
        position: `${timestamp}#${event.id}`,
        trigger: { workflowId: 'w', ruleId: 'build-report', executionName: `n-${i}`, input: { event, rule: { id: 'build-report', priority: 0 }, correlationId: event.id } },
      });
    }

    const first = await store.peek(bucket, 3);

    expect(first.map((q) => q.trigger.input.event.id)).toEqual(['e-00', 'e-01', 'e-02']);
    expect(await store.peek(bucket, 0)).toEqual([]);
  });
});
