/**
 * The correlation counter store's contract, run against every adapter: touches add up per correlation (events summed,
 * workflows a set, first and last activity), an idle correlation is closed and answered exactly once, one with activity
 * after the horizon is kept, and what is kept is counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CorrelationCounterStore } from '../../lambdas/core/index.js';

/** An adapter as the contract drives it: its clock is the test's. */
export interface CorrelationCountersUnderTest {
  store: CorrelationCounterStore;
  close(): Promise<void>;
}

/** A fresh, empty store whose "now" is `clock.ms`. */
export type CorrelationCountersFactory = (clock: { ms: number }) => Promise<CorrelationCountersUnderTest>;

const MINUTE = 60_000;

/** Runs the contract against an adapter. */
export function describeCorrelationCountersContract(name: string, factory: CorrelationCountersFactory): void {
  describe(`${name}: the correlation counter store contract`, () => {
    let current: CorrelationCountersUnderTest | undefined;
    const start = Date.now();
    const clock = { ms: start };
    const open = async (): Promise<CorrelationCounterStore> => {
      clock.ms = start;
      current = await factory(clock);
      return current.store;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('adds up the touches of a correlation, and closes it once it is idle: events, distinct workflows, first and last activity', async () => {
      const store = await open();
      await store.record([{ correlationId: 'order-1', events: 1, workflowIds: ['fulfil'] }]);
      clock.ms += 30_000;
      await store.record([{ correlationId: 'order-1', events: 1, workflowIds: ['audit', 'fulfil'] }]);
      await store.record([{ correlationId: 'order-1', events: 0, workflowIds: ['audit'] }]);

      expect(await store.countKept()).toBe(1);
      expect(await store.closeIdle(clock.ms - 1, 100)).toEqual([]);

      clock.ms += 6 * MINUTE;
      const closed = await store.closeIdle(clock.ms - 5 * MINUTE, 100);

      expect(closed).toEqual([{ correlationId: 'order-1', firstMs: start, lastMs: start + 30_000, events: 2, workflows: 2 }]);
      expect(await store.countKept()).toBe(0);
      expect(await store.closeIdle(clock.ms, 100)).toEqual([]);
    });

    it('keeps a correlation whose last activity is after the horizon, even within the same minute as one it closes', async () => {
      const store = await open();
      await store.record([{ correlationId: 'quiet', events: 1, workflowIds: [] }]);
      clock.ms += 1_000;
      await store.record([{ correlationId: 'busy', events: 1, workflowIds: [] }]);

      const closed = await store.closeIdle(start + 500, 100);

      expect(closed.map((c) => c.correlationId)).toEqual(['quiet']);
      expect(await store.countKept()).toBe(1);
    });

    it('counts a correlation that comes back after it was closed as new', async () => {
      const store = await open();
      await store.record([{ correlationId: 'order-2', events: 1, workflowIds: ['fulfil'] }]);
      clock.ms += 10 * MINUTE;
      await store.closeIdle(clock.ms - 5 * MINUTE, 100);
      await store.record([{ correlationId: 'order-2', events: 1, workflowIds: [] }]);
      clock.ms += 10 * MINUTE;

      expect(await store.closeIdle(clock.ms - 5 * MINUTE, 100)).toEqual([
        { correlationId: 'order-2', firstMs: start + 10 * MINUTE, lastMs: start + 10 * MINUTE, events: 1, workflows: 0 },
      ]);
    });

    it('closes at most `limit` at a time, and every idle one over successive rounds, each once', async () => {
      const store = await open();
      const ids = Array.from({ length: 25 }, (_, i) => `c-${i}`);
      await store.record(ids.map((correlationId) => ({ correlationId, events: 1, workflowIds: [] })));
      clock.ms += 10 * MINUTE;
      const horizon = clock.ms - 5 * MINUTE;

      const first = await store.closeIdle(horizon, 10);
      const rest = [...(await store.closeIdle(horizon, 10)), ...(await store.closeIdle(horizon, 10)), ...(await store.closeIdle(horizon, 10))];

      expect(first).toHaveLength(10);
      expect([...first, ...rest].map((c) => c.correlationId).sort()).toEqual([...ids].sort());
      expect(await store.countKept()).toBe(0);
    });

    it('answers each idle correlation to one of two passes closing at once', async () => {
      const store = await open();
      await store.record(['a', 'b', 'c', 'd'].map((correlationId) => ({ correlationId, events: 1, workflowIds: [] })));
      clock.ms += 10 * MINUTE;

      const [one, two] = await Promise.all([store.closeIdle(clock.ms - 5 * MINUTE, 100), store.closeIdle(clock.ms - 5 * MINUTE, 100)]);

      expect([...one, ...two].map((c) => c.correlationId).sort()).toEqual(['a', 'b', 'c', 'd']);
    });

    it('counts an event once though its touches come again (a redelivered batch), and every other event of the correlation', async () => {
      const store = await open();
      const batch = [
        { correlationId: 'order-3', events: 1, workflowIds: ['fulfil'], eventId: 'placed-3' },
        { correlationId: 'order-3', events: 1, workflowIds: ['audit'], eventId: 'paid-3' },
      ];
      for (const touch of batch) await store.record([touch]);
      clock.ms += 1_000;
      for (const touch of batch) await store.record([touch]);
      await store.record([{ correlationId: 'order-3', events: 1, workflowIds: [], eventId: 'shipped-3' }]);
      clock.ms += 10 * MINUTE;

      expect(await store.closeIdle(clock.ms - 5 * MINUTE, 100)).toEqual([{ correlationId: 'order-3', firstMs: start, lastMs: start + 1_000, events: 3, workflows: 2 }]);
    });

    it('keeps apart ids that differ only in characters a key would use as separators', async () => {
      const store = await open();
      await store.record([
        { correlationId: 'a#b', events: 1, workflowIds: [] },
        { correlationId: 'a', events: 1, workflowIds: ['x'] },
      ]);
      clock.ms += 10 * MINUTE;

      const closed = await store.closeIdle(clock.ms - 5 * MINUTE, 100);

      const workflowsOf = new Map(closed.map(({ correlationId, workflows }) => [correlationId, workflows]));
      expect(workflowsOf).toEqual(
        new Map([
          ['a', 1],
          ['a#b', 0],
        ]),
      );
    });
  });
}
