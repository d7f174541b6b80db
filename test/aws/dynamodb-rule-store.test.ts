/**
 * The rule-store contract on the DynamoDB adapter, against moto: a change is a TransactWriteItems, which moto runs
 * with DynamoDB's semantics (conditions, cancellation reasons) and dynalite does not implement at all.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbRuleStore } from '../../lambdas/aws/dynamodb-rule-store.js';
import { refreshingRulesFromEnv } from '../../lambdas/aws/wiring/rules.js';
import { RuleCatalog } from '../../lambdas/core/index.js';
import { describeRuleStoreContract } from '../contract/rule-store.contract.js';
import { awsClients } from './support/aws-clients.js';
import { createStateTable } from './support/table-resources.js';

const clients = awsClients();
afterAll(() => clients.destroy());
let tables = 0;
const freshStore = async () => {
  const { tableName } = await createStateTable(clients, `rules-state-${++tables}`);
  return { store: new DynamoDbRuleStore({ client: clients.dynamodb, tableName }), tableName };
};

// A fresh State table per test: the contract starts each from an empty set at revision 0.
describeRuleStoreContract('DynamoDbRuleStore (on moto)', async () => {
  const { store } = await freshStore();
  return { store, close: async () => undefined };
});

describe('DynamoDbRuleStore item layout (on moto)', () => {
  it('keeps the revision in one small RULESET item, the rule under RULES, its version under RULE#<id> and the change in RULELOG', async () => {
    const { store, tableName } = await freshStore();
    const at = new Date().toISOString();
    await store.write({ id: 'a', change: 'created', rule: { id: 'a', eventType: 't', workflow: 'w' }, expectedVersion: 0, at, by: 'alice' });
    const item = async (pk: string, sk: string) =>
      unmarshall((await clients.dynamodb.send(new GetItemCommand({ TableName: tableName, Key: marshall({ pk, sk }) }))).Item ?? {});

    expect(await item('RULESET', 'RULESET')).toEqual({ pk: 'RULESET', sk: 'RULESET', revision: 1 });
    expect(await item('RULES', 'a')).toMatchObject({ id: 'a', version: 1, updatedBy: 'alice', rule: '{"id":"a","eventType":"t","workflow":"w"}' });
    expect(await item('RULE#a', 'V#0000000001')).toMatchObject({ change: 'created', revision: 1, changedAt: at });
    expect(await item('RULELOG', '000000000001')).toMatchObject({ id: 'a', version: 1 });
  });

  it('lets changes to different rules made at once all through, each at its own revision', async () => {
    const { store } = await freshStore();
    const at = new Date().toISOString();
    await Promise.all(['a', 'b', 'c'].map((id) => store.write({ id, change: 'created', rule: { id }, expectedVersion: 0, at, by: 'x' })));

    expect(await store.revision()).toBe(3);
    expect((await store.changes()).map((c) => c.revision)).toEqual([1, 2, 3]);
  });
});

describe('Managed rules between the rules API and the routing functions (on moto)', () => {
  it("routes a rule put through the catalog by its read form, with the routing functions' own wiring (no document reader)", async () => {
    const { store, tableName } = await freshStore();
    const workflows = new Set(['order_workflow']);
    let now = Date.now();
    const clock = { now: () => now };
    const catalog = await RuleCatalog.open({ store, files: [], workflows, audit: async () => undefined, clock });
    const rules = refreshingRulesFromEnv({ STATE_TABLE: tableName, RULE_REFRESH_SECONDS: '1' }, [], workflows, clock);
    const event = { id: 'E1', type: 'order.placed', source: 'shop', timestamp: new Date(now).toISOString(), data: { tier: 'vip' } };
    await rules.fresh();
    expect(rules.route(event)).toEqual([]);

    await catalog.put('vip', JSON.stringify({ eventType: 'order.placed', workflow: 'order_workflow', conditions: [{ field: 'tier', value: 'vip' }] }), { by: 'alice' });
    now += 1000;
    await rules.fresh();

    expect(rules.route(event).map((rule) => [rule.id, rule.version])).toEqual([['vip', 1]]);
    const item = unmarshall((await clients.dynamodb.send(new GetItemCommand({ TableName: tableName, Key: marshall({ pk: 'RULES', sk: 'vip' }) }))).Item ?? {});
    expect(JSON.parse(String(item.read))).toMatchObject({ id: 'vip', workflow: 'order_workflow', conditions: [{ field: 'tier', value: 'vip' }] });
  });
});
