/**
 * The rule-store port's contract, run against every adapter (SQLite embedded, DynamoDB): versions count per id
 * from 1 and continue after a delete; every change bumps the set's revision and is kept in the history; a write
 * whose expected version is stale fails and changes nothing; the rules in force at a time follow from the changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, rulesAsOf, type Rule, type RuleChange, type RuleDocument, type RuleStore, type RuleWrite } from '../../lambdas/core/index.js';

/** An adapter as the contract drives it: a fresh, empty store per test. */
export interface RuleStoreUnderTest {
  store: RuleStore;
  close(): Promise<void>;
}

export type RuleStoreFactory = () => Promise<RuleStoreUnderTest>;

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();
const doc = (id: string, extra: RuleDocument = {}): RuleDocument => ({ id, eventType: 'order.placed', workflow: 'order_workflow', ...extra });
const change = (id: string, kind: RuleChange, minute: number, extra: Partial<RuleWrite> = {}): RuleWrite => ({
  id,
  change: kind,
  rule: doc(id),
  at: at(minute),
  by: 'alice',
  ...extra,
});

export function describeRuleStoreContract(name: string, factory: RuleStoreFactory): void {
  describe(`RuleStore contract: ${name}`, () => {
    let current: RuleStoreUnderTest | undefined;
    const open = async (): Promise<RuleStore> => {
      current = await factory();
      return current.store;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('starts empty at revision 0', async () => {
      const store = await open();
      expect(await store.list()).toEqual({ rules: [], revision: 0 });
      expect(await store.revision()).toBe(0);
      expect(await store.get('nothing')).toBeUndefined();
      expect(await store.history('nothing')).toEqual([]);
    });

    it('stores a created rule at version 1 and bumps the revision', async () => {
      const store = await open();
      const { stored, revision } = await store.write(change('a', 'created', 0, { expectedVersion: 0, rule: doc('a', { priority: 5 }) }));

      const expected = { id: 'a', rule: doc('a', { priority: 5 }), version: 1, managedBy: 'api', updatedAt: at(0), updatedBy: 'alice' };
      expect(stored).toEqual(expected);
      expect(revision).toBe(1);
      expect(await store.get('a')).toEqual(expected);
      expect(await store.list()).toEqual({ rules: [expected], revision: 1 });
      expect(await store.revision()).toBe(1);
    });

    it('counts versions per id and the revision across ids', async () => {
      const store = await open();
      await store.write(change('a', 'created', 0));
      await store.write(change('b', 'created', 1));
      const { stored, revision } = await store.write(change('a', 'updated', 2, { rule: doc('a', { priority: 9 }), by: 'bob' }));

      expect(stored).toMatchObject({ id: 'a', version: 2, updatedBy: 'bob', rule: doc('a', { priority: 9 }) });
      expect(revision).toBe(3);
      expect((await store.list()).rules.map((r) => [r.id, r.version])).toEqual([
        ['a', 2],
        ['b', 1],
      ]);
    });

    it('refuses a write whose expected version is stale, and changes nothing', async () => {
      const store = await open();
      await store.write(change('a', 'created', 0));
      await store.write(change('a', 'updated', 1, { rule: doc('a', { priority: 1 }) }));

      await expect(store.write(change('a', 'updated', 2, { expectedVersion: 1, rule: doc('a', { priority: 2 }) }))).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(store.write(change('a', 'created', 2, { expectedVersion: 0 }))).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(store.write(change('z', 'updated', 2, { expectedVersion: 3 }))).rejects.toBeInstanceOf(PreconditionFailedError);

      expect(await store.get('a')).toMatchObject({ version: 2, rule: doc('a', { priority: 1 }) });
      expect(await store.get('z')).toBeUndefined();
      expect(await store.revision()).toBe(2);
      expect(await store.history('a')).toHaveLength(2);
    });

    it('lets exactly one of two writers holding the same version through', async () => {
      const store = await open();
      await store.write(change('a', 'created', 0));
      const outcomes = await Promise.allSettled([
        store.write(change('a', 'updated', 1, { expectedVersion: 1, rule: doc('a', { priority: 1 }) })),
        store.write(change('a', 'updated', 1, { expectedVersion: 1, rule: doc('a', { priority: 2 }) })),
      ]);

      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(PreconditionFailedError);
      expect(await store.get('a')).toMatchObject({ version: 2 });
    });

    it('keeps a deleted rule as a tombstone out of the list, and continues its versions when it is created again', async () => {
      const store = await open();
      await store.write(change('a', 'created', 0));
      const { stored } = await store.write(change('a', 'deleted', 1, { expectedVersion: 1 }));
      expect(stored).toMatchObject({ version: 2, deleted: true });
      expect(await store.list()).toEqual({ rules: [], revision: 2 });
      expect(await store.get('a')).toMatchObject({ version: 2, deleted: true });

      // A deleted rule has no live version: a create expects 0.
      const again = await store.write(change('a', 'created', 2, { expectedVersion: 0, rule: doc('a', { priority: 3 }) }));
      expect(again.stored).toEqual({ id: 'a', rule: doc('a', { priority: 3 }), version: 3, managedBy: 'api', updatedAt: at(2), updatedBy: 'alice' });
      expect((await store.list()).rules).toHaveLength(1);
    });

    it('keeps every version in the history, oldest first, each with its change, document, author and revision', async () => {
      const store = await open();
      await store.write(change('a', 'created', 0));
      await store.write(change('b', 'created', 1));
      await store.write(change('a', 'disabled', 2, { rule: doc('a', { enabled: false }), by: 'bob' }));
      await store.write(change('a', 'deleted', 3, { rule: doc('a', { enabled: false }) }));

      expect(await store.history('a')).toEqual([
        { id: 'a', version: 1, change: 'created', rule: doc('a'), changedAt: at(0), changedBy: 'alice', revision: 1 },
        { id: 'a', version: 2, change: 'disabled', rule: doc('a', { enabled: false }), changedAt: at(2), changedBy: 'bob', revision: 3 },
        { id: 'a', version: 3, change: 'deleted', rule: doc('a', { enabled: false }), changedAt: at(3), changedBy: 'alice', revision: 4 },
      ]);
    });

    it('lists every change up to a time in revision order, from which the rules in force at any time follow', async () => {
      const store = await open();
      await store.write(change('a', 'created', 0));
      await store.write(change('b', 'created', 10));
      await store.write(change('a', 'updated', 20, { rule: doc('a', { priority: 7 }) }));
      await store.write(change('b', 'deleted', 30));

      expect((await store.changes()).map((c) => c.revision)).toEqual([1, 2, 3, 4]);
      expect((await store.changes(at(20))).map((c) => [c.id, c.version])).toEqual([
        ['a', 1],
        ['b', 1],
        ['a', 2],
      ]);
      const all = await store.changes();
      const inForce = (minute: number) => rulesAsOf(all, at(minute)).map((v) => [v.id, v.version]);
      expect(inForce(-1)).toEqual([]);
      expect(inForce(5)).toEqual([['a', 1]]);
      expect(inForce(15)).toEqual([
        ['a', 1],
        ['b', 1],
      ]);
      expect(inForce(25)).toEqual([
        ['a', 2],
        ['b', 1],
      ]);
      expect(inForce(35)).toEqual([['a', 2]]);
    });

    it('keeps a document as written: nested values, unicode and key order', async () => {
      const store = await open();
      const rule = doc('a', { conditions: [{ field: 'plan.seats', op: 'between', value: [1, 5] }], pattern: { detail: { 'state.status': ['ø', null] } }, enabled: true });
      await store.write(change('a', 'created', 0, { rule }));

      const stored = await store.get('a');
      expect(stored?.rule).toEqual(rule);
      expect(Object.keys(stored?.rule ?? {})).toEqual(Object.keys(rule));
    });

    it('keeps the rule as read beside its document, in the record, its history and the changes; a write without one stores none', async () => {
      const store = await open();
      // What routing compiles: every field a rule can carry, as plain JSON (schedules and flow control included).
      const read: Rule = {
        id: 'a',
        eventType: ['order.placed', 'order.paid'],
        workflow: 'order_workflow',
        priority: 5,
        conditions: [{ field: 'plan.seats', op: 'between', value: [1, 5] }],
        pattern: { detail: { 'state.status': ['ø', null] } },
        stop: false,
        enabled: true,
        correlateBy: 'orderId',
        flow: { key: 'orderId', debounce: { periodMs: 60_000 }, cancelOn: [{ eventType: 'order.cancelled', pattern: { data: { reason: [{ prefix: 'x' }] } } }] },
        location: { file: 'rule a', line: 1, column: 1 },
      };
      const { stored } = await store.write(change('a', 'created', 0, { read }));
      await store.write(change('b', 'created', 1));

      expect(stored.read).toEqual(read);
      expect((await store.get('a'))?.read).toEqual(read);
      expect((await store.list()).rules.map((r) => [r.id, r.read])).toEqual([
        ['a', read],
        ['b', undefined],
      ]);
      expect((await store.history('a')).map((v) => v.read)).toEqual([read]);
      expect((await store.changes()).map((v) => [v.id, v.read])).toEqual([
        ['a', read],
        ['b', undefined],
      ]);
      expect('read' in ((await store.get('b')) ?? {})).toBe(false);
    });
  });
}
