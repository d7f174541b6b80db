/**
 * Routing compiles each managed rule from the read form stored beside its document, so the routing functions need
 * no document reader (and bundle no YAML parser); the rules API stores that form with every change.
 */
import { describe, expect, it } from 'vitest';
import {
  ManagedRules,
  managedRule,
  parseRules,
  readRuleDocument,
  RuleCatalog,
  RulesAsOf,
  type EngineEvent,
  type Rule,
  type RuleDocument,
  type RuleWrite,
} from '../../../lambdas/core/index.js';
import { openDatabase } from '../../../lambdas/embedded/sqlite-database.js';
import { SqliteRuleStore } from '../../../lambdas/embedded/sqlite-rule-store.js';

const FILES = parseRules(['rules:', '  - id: from-files', '    eventType: order.placed', '    workflow: order_workflow', ''].join('\n'), 'rules/orders.yaml');
const WORKFLOWS = new Set(['order_workflow', 'vip_workflow']);
const START = Date.now();
const iso = (offsetMs = 0) => new Date(START + offsetMs).toISOString();

const vipDocument: RuleDocument = { id: 'vip', eventType: 'order.placed', workflow: 'vip_workflow', conditions: [{ field: 'tier', value: 'vip' }] };
const vipRead = (): Rule => readRuleDocument('vip', vipDocument, { workflows: WORKFLOWS }).rule;
const anEvent = (data: Record<string, unknown>): EngineEvent => ({ id: 'E1', type: 'order.placed', source: 'shop', timestamp: iso(), data });
const routedIds = (rules: { ruleSet: { route(event: EngineEvent): Rule[] } }, data: Record<string, unknown>) =>
  rules.ruleSet.route(anEvent(data)).map((rule) => [rule.id, rule.version]);

function aStore() {
  const store = new SqliteRuleStore(openDatabase(':memory:'));
  const write = (change: Partial<RuleWrite> & Pick<RuleWrite, 'id' | 'rule'>) => store.write({ change: 'created', at: iso(), by: 'alice', ...change });
  return { store, write };
}

function aLogger() {
  const warnings: Array<{ message: string; error?: unknown }> = [];
  return { warnings, logger: { warn: (message: string, context?: Record<string, unknown>) => void warnings.push({ message, error: context?.error }) } };
}

describe('ManagedRules (what the routing functions hold)', () => {
  it('routes a managed rule by its stored read form, without reading its document', async () => {
    const { store, write } = aStore();
    // A document no reader accepts: only the read form can have put this rule in the set.
    await write({ id: 'vip', rule: { id: 'vip', eventType: 42 }, read: vipRead() });
    const rules = await ManagedRules.open({ store, files: FILES, workflows: WORKFLOWS });

    expect(routedIds(rules, { tier: 'vip' })).toEqual([
      ['from-files', expect.any(String)],
      ['vip', 1],
    ]);
    expect(routedIds(rules, { tier: 'basic' })).toEqual([['from-files', expect.any(String)]]);
  });

  it('leaves out a rule stored without its read form when it has no reader, and says how to mend it', async () => {
    const { store, write } = aStore();
    await write({ id: 'vip', rule: vipDocument });
    const { warnings, logger } = aLogger();
    const rules = await ManagedRules.open({ store, files: FILES, workflows: WORKFLOWS, logger });

    expect(routedIds(rules, { tier: 'vip' })).toEqual([['from-files', expect.any(String)]]);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.error)).toContain('Rule "vip" version 1 was stored without its read form');
    expect(String(warnings[0]?.error)).toContain('PUT /rules/vip');
  });

  it('reads such a rule from its document where a reader is given (the embedded engine, the rules API)', async () => {
    const { store, write } = aStore();
    await write({ id: 'vip', rule: vipDocument });
    const rules = await ManagedRules.open({ store, files: FILES, workflows: WORKFLOWS, reader: readRuleDocument });

    expect(routedIds(rules, { tier: 'vip' })).toEqual([
      ['from-files', expect.any(String)],
      ['vip', 1],
    ]);
  });

  it('leaves out a read form whose workflow is no longer deployed, naming it', () => {
    expect(() => managedRule({ id: 'vip', rule: vipDocument, read: vipRead(), version: 3 }, new Set(['order_workflow']))).toThrow(
      'Rule "vip": no workflow "vip_workflow" is deployed',
    );
    expect(managedRule({ id: 'vip', rule: vipDocument, read: vipRead(), version: 3 }, WORKFLOWS)).toMatchObject({ id: 'vip', workflow: 'vip_workflow', version: 3 });
  });

  it('leaves out a read form that no longer compiles, with a warning, and routes by the others', async () => {
    const { store, write } = aStore();
    // A pattern's leaves must be lists: a form the reader would refuse, as a hand-edited record or a stricter matcher leaves it.
    await write({ id: 'broken', rule: { id: 'broken' }, read: { ...vipRead(), id: 'broken', pattern: { data: { tier: 'vip' } } } });
    await write({ id: 'vip', rule: vipDocument, read: vipRead() });
    const { warnings, logger } = aLogger();
    const rules = await ManagedRules.open({ store, files: FILES, workflows: WORKFLOWS, logger });

    expect(routedIds(rules, { tier: 'vip' })).toEqual([
      ['from-files', expect.any(String)],
      ['vip', 1],
    ]);
    expect(warnings.map((w) => w.message)).toEqual(['a managed rule does not compile and is not routed']);
    // Left out until it changes: the next compile (another rule's change) neither fails nor warns again.
    await write({ id: 'other', rule: { id: 'other' }, read: { ...vipRead(), id: 'other' } });
    await rules.refresh();
    expect(routedIds(rules, { tier: 'vip' }).map(([id]) => id)).toEqual(['from-files', 'other', 'vip']);
    expect(warnings).toHaveLength(1);
  });

  it('follows another writer once the revision moves', async () => {
    const { store, write } = aStore();
    const rules = await ManagedRules.open({ store, files: FILES, workflows: WORKFLOWS });
    expect(await rules.refresh()).toBe(false);

    await write({ id: 'vip', rule: vipDocument, read: vipRead() });
    expect(await rules.refresh()).toBe(true);
    expect(rules.revision).toBe(1);
    expect(routedIds(rules, { tier: 'vip' })).toContainEqual(['vip', 1]);
  });
});

describe('RuleCatalog stores the read form with every change', () => {
  async function aCatalog() {
    const { store } = aStore();
    const catalog = await RuleCatalog.open({ store, files: FILES, workflows: WORKFLOWS, audit: async () => undefined, clock: { now: () => START } });
    return { catalog, store };
  }

  it('on PUT: the rule as read, which a reader-less holder then routes by', async () => {
    const { catalog, store } = await aCatalog();
    await catalog.put('vip', JSON.stringify({ eventType: 'order.placed', workflow: 'vip_workflow', conditions: [{ field: 'tier', value: 'vip' }] }), { by: 'alice' });

    expect((await store.get('vip'))?.read).toMatchObject({ id: 'vip', workflow: 'vip_workflow', priority: 0, stop: false, enabled: true, conditions: [{ field: 'tier' }] });
    const routing = await ManagedRules.open({ store, files: FILES, workflows: WORKFLOWS });
    expect(routedIds(routing, { tier: 'vip' })).toContainEqual(['vip', 1]);
  });

  it('on PATCH: the read form follows `enabled`, so a disabled rule stops routing everywhere', async () => {
    const { catalog, store } = await aCatalog();
    await catalog.put('vip', vipDocument, { by: 'alice' });
    await catalog.patch('vip', { enabled: false }, { by: 'bob' });

    expect((await store.get('vip'))?.read?.enabled).toBe(false);
    const routing = await ManagedRules.open({ store, files: FILES, workflows: WORKFLOWS });
    expect(routedIds(routing, { tier: 'vip' })).toEqual([['from-files', expect.any(String)]]);

    await catalog.patch('vip', { enabled: true }, { by: 'bob' });
    expect((await store.get('vip'))?.read?.enabled).toBe(true);
  });

  it('on PATCH of a rule stored without one: reads the document and stores it from then on', async () => {
    const { catalog, store } = await aCatalog();
    await store.write({ id: 'vip', change: 'created', rule: vipDocument, at: iso(), by: 'alice' });
    await catalog.reload();
    await catalog.patch('vip', { enabled: false }, { by: 'bob' });

    expect((await store.get('vip'))?.read).toMatchObject({ id: 'vip', enabled: false });
  });

  it('in the history, so a replay as of an event routes by the versions of its time without a reader', async () => {
    const { catalog, store } = await aCatalog();
    await catalog.put('vip', vipDocument, { by: 'alice' });
    const asOf = await RulesAsOf.load(store, FILES, WORKFLOWS, iso(60_000));

    expect(
      asOf
        .ruleSetAt(iso(1000))
        .route(anEvent({ tier: 'vip' }))
        .map((rule) => [rule.id, rule.version]),
    ).toContainEqual(['vip', 1]);
    expect(
      asOf
        .ruleSetAt(new Date(START - 60_000).toISOString())
        .route(anEvent({ tier: 'vip' }))
        .map((rule) => rule.id),
    ).toEqual(['from-files']);
  });
});
