/**
 * The flow-state store's contract, run against every adapter: per (rule, key) one state written by compare-and-set,
 * a queue in position order where the same position is queued once, and skips noted per event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { queuePosition, type FlowKey, type FlowStateStore, type QueuedTrigger, type Trigger } from '../../lambdas/core/index.js';

/** An adapter as the contract drives it. */
export interface FlowStateStoreUnderTest {
  store: FlowStateStore;
  close(): Promise<void>;
}

/** A fresh, empty store for each test. */
export type FlowStateStoreFactory = () => Promise<FlowStateStoreUnderTest>;

const BUCKET: FlowKey = { ruleId: 'build-report', key: 'acme' };
const OTHER_KEY: FlowKey = { ruleId: 'build-report', key: 'globex' };
const OTHER_RULE: FlowKey = { ruleId: 'sync-account', key: 'acme' };

/** A trigger of `eventId`, stored `second` seconds after a fixed instant (positions only compare them). */
function aTrigger(eventId: string, second: number): Trigger {
  const timestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
  return {
    workflowId: 'build_report',
    ruleId: 'build-report',
    executionName: `build-report-${eventId}`,
    input: {
      event: { id: eventId, type: 'report.requested', source: 'test', timestamp, data: { tenant: 'acme' } },
      rule: { id: 'build-report', priority: 0 },
      correlationId: eventId,
    },
  };
}

const queued = (eventId: string, second: number, window?: string): QueuedTrigger => {
  const trigger = aTrigger(eventId, second);
  return { position: queuePosition(trigger), trigger, ...(window === undefined ? {} : { window }) };
};

/** Runs the contract against an adapter. */
export function describeFlowStateStoreContract(name: string, factory: FlowStateStoreFactory): void {
  describe(`${name}: the flow-state store contract`, () => {
    let current: FlowStateStoreUnderTest | undefined;
    const open = async (): Promise<FlowStateStore> => {
      current = await factory();
      return current.store;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('reads nothing for a bucket never written, then what was written, as version 1', async () => {
      const store = await open();
      expect(await store.read(BUCKET)).toBeUndefined();

      expect(await store.write(BUCKET, { running: ['a'] }, 0)).toBe(true);

      expect(await store.read(BUCKET)).toEqual({ state: { running: ['a'] }, version: 1 });
    });

    it('writes only over the version named: a second writer holding the same version loses', async () => {
      const store = await open();
      await store.write(BUCKET, { running: ['a'] }, 0);

      const first = await store.write(BUCKET, { running: ['a', 'b'] }, 1);
      const second = await store.write(BUCKET, { running: ['a', 'c'] }, 1);

      expect([first, second]).toEqual([true, false]);
      expect(await store.read(BUCKET)).toEqual({ state: { running: ['a', 'b'] }, version: 2 });
    });

    it('refuses a first write when a state exists already, and a write naming a version not yet reached', async () => {
      const store = await open();
      await store.write(BUCKET, { running: [] }, 0);

      expect(await store.write(BUCKET, { running: ['x'] }, 0)).toBe(false);
      expect(await store.write(BUCKET, { running: ['x'] }, 5)).toBe(false);
      expect((await store.read(BUCKET))?.state).toEqual({ running: [] });
    });

    it('keeps every field of a state as written: starts, admissions, running and a window with its trigger', async () => {
      const store = await open();
      const state = {
        starts: [{ name: 'n-1', at: 1_000 }],
        admitted: [{ name: 'n-2', at: 2_000 }],
        running: ['n-1'],
        window: { name: 'w-1', openedAt: 3_000, dueAt: 5_000, last: aTrigger('e-3', 3), size: 2 },
      };

      await store.write(BUCKET, state, 0);

      expect((await store.read(BUCKET))?.state).toEqual(state);
    });

    it('keeps buckets apart by rule and by key', async () => {
      const store = await open();
      await store.write(BUCKET, { running: ['a'] }, 0);

      expect(await store.read(OTHER_KEY)).toBeUndefined();
      expect(await store.read(OTHER_RULE)).toBeUndefined();
      expect(await store.write(OTHER_KEY, { running: ['b'] }, 0)).toBe(true);
      expect((await store.read(BUCKET))?.state).toEqual({ running: ['a'] });
    });

    it('clears a state only at the version named; a cleared bucket starts again from version 1', async () => {
      const store = await open();
      await store.write(BUCKET, { running: ['a'] }, 0);
      await store.write(BUCKET, { running: [] }, 1);

      expect(await store.clear(BUCKET, 1)).toBe(false);
      expect(await store.clear(BUCKET, 2)).toBe(true);
      expect(await store.read(BUCKET)).toBeUndefined();
      expect(await store.write(BUCKET, { running: ['b'] }, 0)).toBe(true);
      expect((await store.read(BUCKET))?.version).toBe(1);
    });

    it('hands queued triggers back in position order (event time, then id), whatever order they came in', async () => {
      const store = await open();
      await store.enqueue(BUCKET, queued('e-3', 3));
      await store.enqueue(BUCKET, queued('e-1', 1));
      await store.enqueue(BUCKET, queued('e-2b', 2));
      await store.enqueue(BUCKET, queued('e-2a', 2));

      const all = await store.peek(BUCKET, 10);

      expect(all.map((q) => q.trigger.input.event.id)).toEqual(['e-1', 'e-2a', 'e-2b', 'e-3']);
      expect(all[0]).toEqual(queued('e-1', 1));
    });

    it('hands back at most `limit`, the first ones', async () => {
      const store = await open();
      for (let i = 0; i < 5; i++) await store.enqueue(BUCKET, queued(`e-${i}`, i));

      expect((await store.peek(BUCKET, 2)).map((q) => q.trigger.input.event.id)).toEqual(['e-0', 'e-1']);
    });

    it('queues one event once: the same position again is refused and the first entry kept', async () => {
      const store = await open();
      expect(await store.enqueue(BUCKET, queued('e-1', 1, 'w-1'))).toBe(true);

      expect(await store.enqueue(BUCKET, queued('e-1', 1, 'w-2'))).toBe(false);

      expect(await store.peek(BUCKET, 10)).toEqual([queued('e-1', 1, 'w-1')]);
    });

    it('removes by position, ignoring positions not there; queues of other buckets are untouched', async () => {
      const store = await open();
      await store.enqueue(BUCKET, queued('e-1', 1));
      await store.enqueue(BUCKET, queued('e-2', 2));
      await store.enqueue(OTHER_KEY, queued('e-1', 1));

      await store.remove(BUCKET, [queuePosition(aTrigger('e-1', 1)), 'never#queued']);

      expect((await store.peek(BUCKET, 10)).map((q) => q.trigger.input.event.id)).toEqual(['e-2']);
      expect(await store.peek(OTHER_KEY, 10)).toHaveLength(1);
      expect(await store.peek(OTHER_RULE, 10)).toEqual([]);
    });

    it('keeps a queue apart from the state: clearing the state leaves the queue, emptying the queue leaves the state', async () => {
      const store = await open();
      await store.write(BUCKET, { running: ['a'] }, 0);
      await store.enqueue(BUCKET, queued('e-1', 1));

      await store.clear(BUCKET, 1);
      expect(await store.peek(BUCKET, 10)).toHaveLength(1);
      await store.write(BUCKET, { running: ['b'] }, 0);
      await store.remove(BUCKET, [queuePosition(aTrigger('e-1', 1))]);
      expect((await store.read(BUCKET))?.state).toEqual({ running: ['b'] });
    });

    it('notes skips per event and rule, once each, and answers them for their event only', async () => {
      const store = await open();
      await store.noteSkip({ eventId: 'e-1', ruleId: 'welcome', reason: 'rate_limited' });
      await store.noteSkip({ eventId: 'e-1', ruleId: 'welcome', reason: 'rate_limited' });
      await store.noteSkip({ eventId: 'e-1', ruleId: 'sync-account', reason: 'debounced' });
      await store.noteSkip({ eventId: 'e-2', ruleId: 'welcome', reason: 'cancelled' });

      const skips = await store.skipsFor('e-1');

      expect(skips.sort((a, b) => a.ruleId.localeCompare(b.ruleId))).toEqual([
        { eventId: 'e-1', ruleId: 'sync-account', reason: 'debounced' },
        { eventId: 'e-1', ruleId: 'welcome', reason: 'rate_limited' },
      ]);
      expect(await store.skipsFor('e-3')).toEqual([]);
    });

    it('lets one of many concurrent writers of the same version win', async () => {
      const store = await open();
      await store.write(BUCKET, { running: [] }, 0);

      const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => store.write(BUCKET, { running: [`n-${i}`] }, 1)));

      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = outcomes.indexOf(true);
      expect(await store.read(BUCKET)).toEqual({ state: { running: [`n-${winner}`] }, version: 2 });
    });
  });
}
