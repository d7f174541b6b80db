import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { executionKey, MAX_STORED_OUTPUT_BYTES } from '../../lambdas/aws/execution-item.js';
import { decodeCursor, executionName, type EngineEvent, type Trigger } from '../../lambdas/core/index.js';
import { createStateTable, startDynalite, uniqueTableName, type Dynalite } from '../support/dynalite.js';

const NOW = Date.parse('2026-05-01T10:00:00.000Z');
const at = (second: number): string => new Date(NOW + second * 1000).toISOString();

let dynamo: Dynalite;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.client();
});

afterAll(async () => {
  await dynamo?.close();
});

let counter = 0;
/** A trigger of `ruleId` for a fresh event of `correlationId`. */
function aTrigger(overrides: { ruleId?: string; workflowId?: string; correlationId?: string; eventId?: string } = {}): Trigger {
  const ruleId = overrides.ruleId ?? 'fulfil-order';
  const event: EngineEvent = { id: overrides.eventId ?? `evt-${++counter}`, type: 'order.placed', source: 'shop', timestamp: at(0), data: { orderId: 'o-1' } };
  return {
    workflowId: overrides.workflowId ?? 'order_fulfilment',
    ruleId,
    executionName: executionName(ruleId, event.id),
    input: { event, rule: { id: ruleId, priority: 0 }, correlationId: overrides.correlationId ?? 'o-1' },
  };
}

/** A store on a fresh State table whose clock the test moves, and a raw read of its items. */
async function aStore() {
  const tableName = uniqueTableName('state');
  await createStateTable(client, tableName);
  const clock = { ms: NOW };
  let claims = 0;
  const store = new DynamoDbExecutionStore({ client, tableName, retentionDays: 7, clock: { now: () => clock.ms }, newClaimId: () => `claim-${++claims}` });
  const rawItem = async (name: string) => {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(executionKey(name)), ConsistentRead: true }));
    return Item === undefined ? undefined : unmarshall(Item);
  };
  return { store, clock, rawItem };
}

describe('DynamoDbExecutionStore (on dynalite)', () => {
  it('records an execution once, laid out for its indexes, expiring with the retention', async () => {
    const { store, rawItem } = await aStore();
    const trigger = aTrigger({ correlationId: 'o-7' });

    expect(await store.record(trigger, at(1))).toBe(true);
    expect(await store.record(trigger, at(2))).toBe(false);

    expect(await store.get(trigger.executionName)).toEqual({
      name: trigger.executionName, workflowId: 'order_fulfilment', ruleId: 'fulfil-order', eventId: trigger.input.event.id,
      correlationId: 'o-7', status: 'RUNNING', startedAt: at(1), input: trigger.input,
    });
    expect(await rawItem(trigger.executionName)).toMatchObject({
      pk: `EXEC#${trigger.executionName}`, sk: 'EXEC', epk: `EVT#${trigger.input.event.id}`, cpk: 'CORR#o-7',
      esk: `${at(1)}#${trigger.executionName}`, expiresAt: Math.floor(NOW / 1000) + 1 + 7 * 86_400,
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
    it('moves a running execution to its end once, with its output or error', async () => {
      const { store } = await aStore();
      const ok = aTrigger();
      const bad = aTrigger();
      await store.record(ok, at(0));
      await store.record(bad, at(0));

      expect(await store.finish(ok.executionName, { status: 'SUCCEEDED', stoppedAt: at(9), output: { outcome: 'confirmed' } })).toBe(true);
      expect(await store.finish(bad.executionName, { status: 'TIMED_OUT', stoppedAt: at(9), error: { error: 'States.Timeout' } })).toBe(true);

      expect(await store.get(ok.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: at(9), output: { outcome: 'confirmed' } });
      expect(await store.get(bad.executionName)).toMatchObject({ status: 'TIMED_OUT', stoppedAt: at(9), error: { error: 'States.Timeout' } });
    });

    it('never moves a finished record again, and finishes no record that is missing', async () => {
      const { store } = await aStore();
      const trigger = aTrigger();
      await store.record(trigger, at(0));
      await store.finish(trigger.executionName, { status: 'SUCCEEDED', stoppedAt: at(5) });

      expect(await store.finish(trigger.executionName, { status: 'FAILED', stoppedAt: at(6), error: { error: 'Late' } })).toBe(false);
      expect(await store.finish('no-such-execution', { status: 'SUCCEEDED', stoppedAt: at(6) })).toBe(false);
      expect(await store.get(trigger.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: at(5) });
      expect(await store.get('no-such-execution')).toBeUndefined();
    });

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

  describe('listing', () => {
    it('lists an event\'s executions and a correlation\'s, in start order, in the API shape', async () => {
      const { store } = await aStore();
      const first = aTrigger({ ruleId: 'a-rule', eventId: 'evt-shared', correlationId: 'c-1' });
      const second = aTrigger({ ruleId: 'b-rule', eventId: 'evt-shared', correlationId: 'c-1' });
      const other = aTrigger({ correlationId: 'c-1' });
      await store.record(second, at(2));
      await store.record(first, at(1));
      await store.record(other, at(3));
      await store.record(aTrigger({ correlationId: 'c-2' }), at(4));

      const byEvent = await store.list({ eventId: 'evt-shared', limit: 100 });
      const byCorrelation = await store.byCorrelation('c-1');

      expect(byEvent).toEqual({
        executions: [
          { name: first.executionName, workflowId: 'order_fulfilment', ruleId: 'a-rule', eventId: 'evt-shared', correlationId: 'c-1', status: 'RUNNING', startedAt: at(1) },
          { name: second.executionName, workflowId: 'order_fulfilment', ruleId: 'b-rule', eventId: 'evt-shared', correlationId: 'c-1', status: 'RUNNING', startedAt: at(2) },
        ],
      });
      expect(byCorrelation.map((e) => e.name)).toEqual([first, second, other].map((t) => t.executionName));
    });

    it('narrows by workflow and status', async () => {
      const { store } = await aStore();
      const done = aTrigger({ correlationId: 'c-f' });
      const running = aTrigger({ correlationId: 'c-f' });
      const elsewhere = aTrigger({ correlationId: 'c-f', workflowId: 'send_confirmation' });
      for (const [i, t] of [done, running, elsewhere].entries()) await store.record(t, at(i));
      await store.finish(done.executionName, { status: 'SUCCEEDED', stoppedAt: at(9) });

      const names = async (query: Parameters<DynamoDbExecutionStore['list']>[0]) => (await store.list(query)).executions.map((e) => e.name);

      expect(await names({ correlationId: 'c-f', status: 'RUNNING', limit: 10 })).toEqual([running.executionName, elsewhere.executionName]);
      expect(await names({ correlationId: 'c-f', workflowId: 'order_fulfilment', status: 'SUCCEEDED', limit: 10 })).toEqual([done.executionName]);
    });

    it('pages with a cursor, losing and repeating nothing', async () => {
      const { store } = await aStore();
      const triggers = Array.from({ length: 7 }, () => aTrigger({ correlationId: 'c-page' }));
      for (const [i, t] of triggers.entries()) await store.record(t, at(i));

      const seen: string[] = [];
      let after;
      for (let page = 0; page < 10; page++) {
        const { executions, cursor } = await store.list({ correlationId: 'c-page', limit: 3, ...(after === undefined ? {} : { after }) });
        seen.push(...executions.map((e) => e.name));
        if (cursor === undefined) break;
        after = decodeCursor(cursor);
      }

      expect(seen).toEqual(triggers.map((t) => t.executionName));
    });
  });
});
