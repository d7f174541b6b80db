import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { executionKey, MAX_STORED_OUTPUT_BYTES } from '../../lambdas/aws/execution-item.js';
import { useDynalite } from '../support/dynalite.js';
import { aTrigger as aContractTrigger, describeExecutionStoreContract } from './execution-store.contract.js';

// Times follow the clock the suite runs under.
const NOW = Date.now();
const at = (second: number): string => new Date(NOW + second * 1000).toISOString();
const aTrigger = (overrides: Parameters<typeof aContractTrigger>[1] = {}) => aContractTrigger(at, overrides);

const dynalite = useDynalite();

/** A store on a fresh State table whose clock the test moves, and a raw read of its items. */
async function aStore() {
  const client = dynalite.client();
  const tableName = await dynalite.stateTable();
  const clock = { ms: NOW };
  let claims = 0;
  const store = new DynamoDbExecutionStore({ client, tableName, retentionDays: 7, clock: { now: () => clock.ms }, newClaimId: () => `claim-${++claims}` });
  const rawItem = async (name: string) => {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(executionKey(name)), ConsistentRead: true }));
    return Item === undefined ? undefined : unmarshall(Item);
  };
  return { store, clock, rawItem };
}

describeExecutionStoreContract('DynamoDbExecutionStore (on dynalite)', async ({ now }) => ({
  store: new DynamoDbExecutionStore({ client: dynalite.client(), tableName: await dynalite.stateTable(), clock: { now } }),
  close: async () => undefined,
}));

describe('DynamoDbExecutionStore items and Express claims (on dynalite)', () => {
  it('records an execution laid out for its indexes, expiring with the retention', async () => {
    const { store, rawItem } = await aStore();
    const trigger = aTrigger({ correlationId: 'o-7' });

    expect(await store.record(trigger, at(1))).toBe(true);
    expect(await store.record(trigger, at(2))).toBe(false);

    expect(await store.get(trigger.executionName)).toEqual({
      name: trigger.executionName,
      workflowId: 'order_fulfilment',
      ruleId: 'fulfil-order',
      eventId: trigger.input.event.id,
      correlationId: 'o-7',
      status: 'RUNNING',
      startedAt: at(1),
      input: trigger.input,
    });
    expect(await rawItem(trigger.executionName)).toMatchObject({
      pk: `EXEC#${trigger.executionName}`,
      sk: 'EXEC',
      epk: `EVT#${trigger.input.event.id}`,
      cpk: 'CORR#o-7',
      esk: `${at(1)}#${trigger.executionName}`,
      expiresAt: Math.floor((NOW + 1000) / 1000) + 7 * 86_400,
    });
  });

  describe('the Express guard', () => {
    it('claims a start once: a second claim while the first is in flight is busy, after confirmation it is started', async () => {
      const { store, rawItem } = await aStore();
      const trigger = aTrigger();

      expect(await store.claim(trigger, at(0))).toEqual({ kind: 'claimed', claimId: 'claim-1' });
      expect(await store.claim(trigger, at(0))).toEqual({ kind: 'busy' });
      await store.confirm(trigger.executionName, 'claim-1');

      expect(await store.claim(trigger, at(0))).toEqual({ kind: 'started' });
      expect(await rawItem(trigger.executionName)).not.toHaveProperty('claimId');
    });

    it('forgets a released claim, so that the retry claims and starts again', async () => {
      const { store } = await aStore();
      const trigger = aTrigger();
      await store.claim(trigger, at(0));

      await store.release(trigger.executionName, 'claim-1');

      expect(await store.get(trigger.executionName)).toBeUndefined();
      expect(await store.claim(trigger, at(0))).toEqual({ kind: 'claimed', claimId: 'claim-2' });
    });

    it('takes over a claim abandoned past its lease, and only once', async () => {
      const { store, clock } = await aStore();
      const trigger = aTrigger();
      await store.claim(trigger, at(0));
      clock.ms += 5 * 60_000 + 1;

      expect(await store.claim(trigger, at(0))).toEqual({ kind: 'claimed', claimId: 'claim-2' });
      expect(await store.claim(trigger, at(0))).toEqual({ kind: 'busy' });
    });

    it('does not let an old claim release or confirm a claim taken over', async () => {
      const { store, clock } = await aStore();
      const trigger = aTrigger();
      await store.claim(trigger, at(0));
      clock.ms += 5 * 60_000 + 1;
      await store.claim(trigger, at(0));

      await store.release(trigger.executionName, 'claim-1');
      await store.confirm(trigger.executionName, 'claim-1');

      expect(await store.claim(trigger, at(0))).toEqual({ kind: 'busy' });
    });
  });

  describe('finishing', () => {
    it('leaves out an output too large to keep beside the input', async () => {
      const { store } = await aStore();
      const trigger = aTrigger();
      await store.record(trigger, at(0));

      await store.finish(trigger.executionName, { status: 'SUCCEEDED', stoppedAt: at(5), output: { blob: 'x'.repeat(MAX_STORED_OUTPUT_BYTES) } });

      const stored = await store.get(trigger.executionName);
      expect(stored?.status).toBe('SUCCEEDED');
      expect(stored).not.toHaveProperty('output');
    });
  });
});
