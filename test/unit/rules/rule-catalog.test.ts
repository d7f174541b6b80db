import { describe, expect, it } from 'vitest';
import {
  InvalidRuleError,
  ManagedByFilesError,
  NotFoundError,
  parseIfMatch,
  parseRules,
  PreconditionFailedError,
  RuleCatalog,
  ValidationError,
  type EngineEvent,
  type RuleCatalogDeps,
} from '../../../lambdas/core/index.js';
import { openDatabase } from '../../../lambdas/embedded/sqlite-database.js';
import { SqliteRuleStore } from '../../../lambdas/embedded/sqlite-rule-store.js';

const FILES = parseRules(['rules:', '  - id: from-files', '    eventType: order.placed', '    workflow: order_workflow', ''].join('\n'), 'rules/orders.yaml');
const WORKFLOWS = new Set(['order_workflow', 'vip_workflow']);
// Times follow the clock the suite runs under.
const START = Date.now();

interface Audited {
  type: string;
  source: string;
  timestamp: string;
  data: Record<string, unknown>;
}

async function aCatalog(overrides: Partial<RuleCatalogDeps> = {}) {
  const store = new SqliteRuleStore(openDatabase(':memory:'));
  const audited: Audited[] = [];
  const warnings: string[] = [];
  let now = START;
  const deps: RuleCatalogDeps = {
    store,
    files: FILES,
    workflows: WORKFLOWS,
    audit: async (event) => void audited.push(event),
    clock: { now: () => (now += 1000) },
    logger: { info: () => {}, warn: (message) => void warnings.push(message), error: () => {} },
    ...overrides,
  };
  return { catalog: await RuleCatalog.open(deps), store, audited, warnings, deps };
}

const vip = { eventType: 'order.placed', workflow: 'vip_workflow', conditions: [{ field: 'tier', value: 'vip' }] };
const anEvent = (data: Record<string, unknown>): EngineEvent => ({
  id: `E${Math.random()}`,
  type: 'order.placed',
  source: 'shop',
  timestamp: new Date(START).toISOString(),
  data,
});
const routed = (catalog: RuleCatalog, data: Record<string, unknown>) => catalog.ruleSet.route(anEvent(data)).map((r) => [r.id, r.version]);

describe('RuleCatalog', () => {
  it('creates a managed rule that the live rule set routes by at once, at version 1', async () => {
    const { catalog } = await aCatalog();
    const before = catalog.ruleSet;

    const { rule, created } = await catalog.put('vip-orders', JSON.stringify(vip), { by: 'alice' });

    expect(created).toBe(true);
    expect(rule).toMatchObject({ id: 'vip-orders', ...vip, version: 1, managedBy: 'api', updatedBy: 'alice' });
    expect(catalog.ruleSet).toBe(before);
    expect(routed(catalog, { tier: 'vip' })).toEqual([
      ['from-files', catalog.ruleSet.rules.find((r) => r.id === 'from-files')?.version],
      ['vip-orders', 1],
    ]);
    expect(catalog.revision).toBe(1);
  });

  it('lists both layers in id order with their versions and the revision', async () => {
    const { catalog } = await aCatalog();
    await catalog.put('a-rule', vip, { by: 'alice' });

    const { rules, revision } = await catalog.list();

    expect(revision).toBe(1);
    expect(rules.map((r) => [r.id, r.managedBy])).toEqual([
      ['a-rule', 'api'],
      ['from-files', 'files'],
    ]);
    const files = rules[1];
    expect(files).toMatchObject({ eventType: 'order.placed', workflow: 'order_workflow', priority: 0, enabled: true, stop: false, conditions: [] });
    expect(files?.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('replaces a rule as a new version, and refuses a stale expected version without changing anything', async () => {
    const { catalog, audited } = await aCatalog();
    await catalog.put('vip-orders', vip, { by: 'alice' });
    const { created, rule } = await catalog.put('vip-orders', { ...vip, priority: 5 }, { by: 'bob', expectedVersion: 1 });
    expect([created, rule.version, rule.priority]).toEqual([false, 2, 5]);

    await expect(catalog.put('vip-orders', { ...vip, priority: 9 }, { by: 'carol', expectedVersion: 1 })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(catalog.put('new-one', vip, { by: 'carol', expectedVersion: 4 })).rejects.toBeInstanceOf(PreconditionFailedError);

    expect(await catalog.get('vip-orders')).toMatchObject({ version: 2, priority: 5 });
    expect(audited.map((e) => e.type)).toEqual(['rule.created', 'rule.updated']);
  });

  it('refuses to create, change or delete a files rule (409 managed_by_files)', async () => {
    const { catalog } = await aCatalog();
    for (const attempt of [
      () => catalog.put('from-files', vip, { by: 'alice' }),
      () => catalog.patch('from-files', { enabled: false }, { by: 'alice' }),
      () => catalog.delete('from-files', { by: 'alice' }),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ManagedByFilesError);
      expect(error).toMatchObject({ code: 'managed_by_files' });
    }
    expect(await catalog.get('from-files')).toMatchObject({ managedBy: 'files' });
    expect(await catalog.history('from-files')).toEqual({ versions: [] });
  });

  it.each([
    ['an unknown operator', { ...vip, conditions: [{ field: 'tier', op: 'equalz', value: 'vip' }] }, 'conditions[0].op', /unknown operator "equalz"/],
    ['a misspelt key', { ...vip, priorty: 3 }, 'priorty', /did you mean "priority"/],
    ['a missing workflow key', { eventType: 'order.placed' }, 'workflow', /missing "workflow"/],
    ['a workflow that is not deployed', { ...vip, workflow: 'nope' }, 'workflow', /no workflow "nope"/],
    ['a bad pattern deep inside', { ...vip, pattern: { detail: { amount: [{ numeric: ['>', 'x'] }] } } }, 'pattern.detail.amount', /numeric/],
    ['a wrong type in a list', { ...vip, eventType: ['a', 7] }, 'eventType[1]', /event type/],
    ['a condition without a field', { ...vip, conditions: [{ value: 1 }] }, 'conditions[0].field', /missing "field"/],
    ['an id other than the path', { ...vip, id: 'other' }, 'id', /the id in the path/],
  ])('refuses %s with a 400 naming the JSON path', async (_what, body, path, message) => {
    const { catalog, store } = await aCatalog();

    const error = (await catalog.put('vip-orders', JSON.stringify(body), { by: 'alice' }).catch((e: unknown) => e)) as InvalidRuleError;

    expect(error).toBeInstanceOf(InvalidRuleError);
    expect(error.details).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(await store.revision()).toBe(0);
  });

  it('refuses a body that is not a JSON object, or a bad id in the path', async () => {
    const { catalog } = await aCatalog();
    await expect(catalog.put('vip-orders', '[1, 2]', { by: 'a' })).rejects.toMatchObject({ details: [{ path: '(body)', message: 'a rule must be a JSON object' }] });
    await expect(catalog.put('vip-orders', '{"eventType": ', { by: 'a' })).rejects.toMatchObject({ details: [{ path: '(body)' }] });
    await expect(catalog.put('Not_An_Id', vip, { by: 'a' })).rejects.toMatchObject({ details: [{ path: 'id' }] });
  });

  it('disables and enables a rule, routing accordingly; an unchanged state writes no version', async () => {
    const { catalog, audited } = await aCatalog();
    await catalog.put('vip-orders', vip, { by: 'alice' });

    expect(await catalog.patch('vip-orders', { enabled: false }, { by: 'bob' })).toMatchObject({ version: 2, enabled: false });
    expect(routed(catalog, { tier: 'vip' }).map(([id]) => id)).toEqual(['from-files']);
    expect(await catalog.patch('vip-orders', { enabled: false }, { by: 'bob' })).toMatchObject({ version: 2 });
    await catalog.patch('vip-orders', { enabled: true }, { by: 'bob' });

    expect(routed(catalog, { tier: 'vip' })).toContainEqual(['vip-orders', 3]);
    expect(audited.map((e) => e.type)).toEqual(['rule.created', 'rule.disabled', 'rule.enabled']);
    await expect(catalog.patch('vip-orders', { enabled: 'no', stop: true }, { by: 'bob' })).rejects.toMatchObject({
      details: [
        { path: 'stop', message: 'unknown field: only "enabled" can be patched' },
        { path: 'enabled', message: 'must be true or false' },
      ],
    });
    await expect(catalog.patch('missing', { enabled: false }, { by: 'bob' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes a rule: gone from the set and the API, its history kept, every change audited as an event', async () => {
    const { catalog, audited } = await aCatalog();
    await catalog.put('vip-orders', vip, { by: 'alice' });
    await catalog.put('vip-orders', { ...vip, priority: 2 }, { by: 'alice' });
    await catalog.patch('vip-orders', { enabled: false }, { by: 'bob' });
    await catalog.delete('vip-orders', { by: 'carol', expectedVersion: 3 });

    await expect(catalog.get('vip-orders')).rejects.toBeInstanceOf(NotFoundError);
    await expect(catalog.delete('vip-orders', { by: 'carol' })).rejects.toBeInstanceOf(NotFoundError);
    expect(routed(catalog, { tier: 'vip' }).map(([id]) => id)).toEqual(['from-files']);
    const { versions } = await catalog.history('vip-orders');
    expect(versions.map((v) => [v.version, v.change, v.changedBy])).toEqual([
      [1, 'created', 'alice'],
      [2, 'updated', 'alice'],
      [3, 'disabled', 'bob'],
      [4, 'deleted', 'carol'],
    ]);
    expect(audited.at(-1)).toEqual({ type: 'rule.deleted', source: 'edwe.rules', timestamp: versions[3]?.changedAt, data: { ruleId: 'vip-orders', version: 4, by: 'carol' } });
    await expect(catalog.history('never-was')).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rolls back by putting an old version's rule again, as a new version", async () => {
    const { catalog } = await aCatalog();
    await catalog.put('vip-orders', vip, { by: 'alice' });
    await catalog.put('vip-orders', { ...vip, conditions: [{ field: 'tier', value: 'gold' }] }, { by: 'alice' });
    const { versions } = await catalog.history('vip-orders');

    const { rule } = await catalog.put('vip-orders', versions[0]?.rule ?? {}, { by: 'alice', expectedVersion: 2 });

    expect(rule).toMatchObject({ version: 3, conditions: vip.conditions });
    expect(routed(catalog, { tier: 'vip' })).toContainEqual(['vip-orders', 3]);
  });

  it('routes the audit event of a change by the rules it announces (a rule on rule.* events is fine)', async () => {
    let catalog: RuleCatalog | undefined;
    const seen: string[][] = [];
    const opened = await aCatalog({
      audit: async (event) => void seen.push((catalog as RuleCatalog).ruleSet.route({ ...event, id: 'A1' }).map((r) => r.id)),
    });
    catalog = opened.catalog;

    await catalog.put('watch-rules', { eventType: ['rule.created', 'rule.updated'], workflow: 'order_workflow' }, { by: 'alice' });

    expect(seen).toEqual([['watch-rules']]);
  });

  it('keeps the change when its audit event cannot be stored', async () => {
    const { catalog } = await aCatalog({ audit: async () => Promise.reject(new Error('disk full')) });
    const { rule } = await catalog.put('vip-orders', vip, { by: 'alice' });
    expect(rule.version).toBe(1);
    expect(await catalog.get('vip-orders')).toMatchObject({ version: 1 });
  });

  it('refreshes from the store when another writer changed the set, with one revision read otherwise', async () => {
    const { catalog, deps } = await aCatalog();
    const other = await RuleCatalog.open(deps);
    await catalog.put('vip-orders', vip, { by: 'alice' });

    expect(routed(other, { tier: 'vip' }).map(([id]) => id)).toEqual(['from-files']);
    expect(await other.refresh()).toBe(true);
    expect(routed(other, { tier: 'vip' })).toContainEqual(['vip-orders', 1]);
    expect(await other.refresh()).toBe(false);

    await catalog.delete('vip-orders', { by: 'alice' });
    await other.refresh();
    expect((await other.list()).rules.map((r) => r.id)).toEqual(['from-files']);
  });

  it('leaves out, with a warning, a stored rule that no longer holds (its workflow is gone)', async () => {
    const { store, deps } = await aCatalog();
    await store.write({ id: 'orphan', change: 'created', rule: { ...vip, workflow: 'removed_workflow' }, at: new Date(START).toISOString(), by: 'x' });
    const warnings: string[] = [];

    const catalog = await RuleCatalog.open({ ...deps, logger: { info: () => {}, error: () => {}, warn: (m) => void warnings.push(m) } });

    expect(catalog.ruleSet.rules.map((r) => r.id)).toEqual(['from-files']);
    expect(warnings).toEqual(['a managed rule is no longer valid and is not routed']);
  });

  it("adds what `describe` says to one rule's view (e.g. a schedule's next fire times)", async () => {
    const { catalog } = await aCatalog({ describe: (rule) => ({ described: rule.id }) });
    expect(await catalog.get('from-files')).toMatchObject({ described: 'from-files' });
  });
});

describe('parseIfMatch', () => {
  it('reads a version in quotes or bare, and nothing from no header', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('12')).toBe(12);
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it.each(['W/"3"', '*', '"3", "4"', '"x"'])('refuses %s', (header) => {
    expect(() => parseIfMatch(header)).toThrow(ValidationError);
  });
});
