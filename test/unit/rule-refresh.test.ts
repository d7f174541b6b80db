import { describe, expect, it } from 'vitest';
import { compileRules, parseRules, RefreshingRuleSet, RuleCatalog, type EngineEvent, type RuleStore } from '../../lambdas/core/index.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteRuleStore } from '../../lambdas/embedded/sqlite-rule-store.js';

const FILES = parseRules(['rules:', '  - id: from-files', '    eventType: order.placed', '    workflow: order_workflow', ''].join('\n'), 'rules/orders.yaml');
const WORKFLOWS = new Set(['order_workflow', 'vip_workflow']);
const REFRESH_MS = 10_000;
const START = Date.now();
const order = (tier: string): EngineEvent => ({ id: `E-${tier}`, type: 'order.placed', source: 'shop', timestamp: new Date(START).toISOString(), data: { tier } });
const vip = { eventType: 'order.placed', workflow: 'vip_workflow', conditions: [{ field: 'tier', value: 'vip' }] };

/** Two processes on one store, as on AWS: the rules API writes, a router routes; `revisionReads` counts the router's small reads. */
async function twoProcesses() {
  const shared = new SqliteRuleStore(openDatabase(':memory:'));
  let now = START;
  const clock = { now: () => now };
  const api = await RuleCatalog.open({ store: shared, files: FILES, workflows: WORKFLOWS, audit: async () => {}, clock });
  let revisionReads = 0;
  let listReads = 0;
  let failing = false;
  const counted: RuleStore = Object.assign(Object.create(shared) as RuleStore, {
    revision: () => (revisionReads++, failing ? Promise.reject(new Error('throttled')) : shared.revision()),
    list: () => (listReads++, shared.list()),
  });
  const warnings: string[] = [];
  const router = new RefreshingRuleSet({
    files: compileRules(FILES),
    open: () => RuleCatalog.open({ store: counted, files: FILES, workflows: WORKFLOWS, audit: async () => {}, clock }),
    clock,
    refreshMs: REFRESH_MS,
    logger: { warn: (message) => void warnings.push(message) },
  });
  const routes = async (tier: string) => {
    await router.fresh();
    return router.route(order(tier)).map((rule) => rule.id);
  };
  return {
    api,
    routes,
    warnings,
    advance: (ms: number) => void (now += ms),
    reads: () => ({ revision: revisionReads, list: listReads }),
    fail: (on: boolean) => void (failing = on),
    router,
  };
}

describe('a routing process refreshing the managed rules', () => {
  it('routes by a rule created elsewhere at most refreshMs after it was written, and not before its next check', async () => {
    const { api, routes, advance } = await twoProcesses();
    expect(await routes('vip')).toEqual(['from-files']);

    advance(1_000);
    await api.put('vip-orders', vip, { by: 'admin' });
    advance(REFRESH_MS - 1_001);
    const justBefore = await routes('vip');
    advance(1);
    const atTheBound = await routes('vip');

    expect(justBefore).toEqual(['from-files']);
    expect(atTheBound).toEqual(['from-files', 'vip-orders']);
  });

  it('reads the revision once per period, not per event, and the rules only when the revision moved', async () => {
    const { api, routes, advance, reads } = await twoProcesses();
    await routes('vip');
    expect(reads()).toEqual({ revision: 0, list: 1 });

    for (let i = 0; i < 1_000; i++) await routes('vip');
    advance(REFRESH_MS);
    for (let i = 0; i < 1_000; i++) await routes('vip');
    expect(reads()).toEqual({ revision: 1, list: 1 });

    await api.put('vip-orders', vip, { by: 'admin' });
    advance(REFRESH_MS);
    await routes('vip');
    expect(reads()).toEqual({ revision: 2, list: 2 });
  });

  it('sees a disable and a delete within the bound too', async () => {
    const { api, routes, advance } = await twoProcesses();
    await api.put('vip-orders', vip, { by: 'admin' });
    advance(REFRESH_MS);
    expect(await routes('vip')).toContain('vip-orders');

    await api.patch('vip-orders', { enabled: false }, { by: 'admin' });
    advance(REFRESH_MS);
    expect(await routes('vip')).toEqual(['from-files']);

    await api.patch('vip-orders', { enabled: true }, { by: 'admin' });
    advance(REFRESH_MS);
    expect(await routes('vip')).toContain('vip-orders');
    await api.delete('vip-orders', { by: 'admin' });
    advance(REFRESH_MS);
    expect(await routes('vip')).toEqual(['from-files']);
  });

  it('keeps routing with the rules in hand when the store cannot be read, and tries again a second later', async () => {
    const { api, routes, advance, fail, warnings, reads } = await twoProcesses();
    await api.put('vip-orders', vip, { by: 'admin' });
    await routes('vip');
    await api.delete('vip-orders', { by: 'admin' });
    advance(REFRESH_MS);

    fail(true);
    expect(await routes('vip')).toEqual(['from-files', 'vip-orders']);
    expect(await routes('vip')).toEqual(['from-files', 'vip-orders']);
    expect(reads().revision).toBe(1);
    fail(false);
    advance(999);
    expect(await routes('vip')).toEqual(['from-files', 'vip-orders']);
    advance(1);
    const recovered = await routes('vip');

    expect(warnings).toEqual(['the managed rules could not be read; routing with the rules in hand']);
    expect(recovered).toEqual(['from-files']);
    expect(reads().revision).toBe(2);
  });

  it('confirm reads the rules now, within the period, and knows what is disabled; it fails when the store cannot be read', async () => {
    const { api, routes, router, reads, fail } = await twoProcesses();
    await routes('vip');
    await api.put('vip-orders', vip, { by: 'admin' });
    await api.patch('vip-orders', { enabled: false }, { by: 'admin' });
    const before = reads().revision;

    await router.confirm();
    expect(reads().revision).toBe(before + 1);
    expect(router.disabled?.has('vip-orders')).toBe(true);

    fail(true);
    await expect(router.confirm()).rejects.toThrow('throttled');
  });
});
