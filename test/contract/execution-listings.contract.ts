/**
 * The listings of the execution-store contract, run against every adapter with the rest of the contract: by event or
 * correlation in (startedAt, name) order, narrowed and paged; every execution newest first, narrowed by workflow,
 * status and time, and paged.
 */
import { describe, expect, it } from 'vitest';
import { decodeCursor, type ExecutionListing, type ExecutionQuery, type ExecutionStore, type Trigger } from '../../lambdas/core/index.js';

/** What the listing contract needs from the main one: a fresh store, the times, and triggers. */
export interface ListingContractContext {
  open(): Promise<ExecutionStore>;
  at(second: number): string;
  trigger(overrides?: { ruleId?: string; workflowId?: string; correlationId?: string; eventId?: string }): Trigger;
}

export function describeListingContract({ open, at, trigger }: ListingContractContext): void {
  describe('listing', () => {
    it("lists an event's executions and a correlation's, in start order, in the API shape", async () => {
      const store = await open();
      const first = trigger({ ruleId: 'a-rule', eventId: 'evt-shared', correlationId: 'c-1' });
      const second = trigger({ ruleId: 'b-rule', eventId: 'evt-shared', correlationId: 'c-1' });
      const other = trigger({ correlationId: 'c-1' });
      await store.record(second, at(2));
      await store.record(first, at(1));
      await store.record(other, at(3));
      await store.record(trigger({ correlationId: 'c-2' }), at(4));

      const byEvent = await store.list({ eventId: 'evt-shared', limit: 100 });
      const byCorrelation = await store.byCorrelation('c-1');

      expect(byEvent).toEqual({
        executions: [
          { name: first.executionName, workflowId: 'order_fulfilment', ruleId: 'a-rule', eventId: 'evt-shared', correlationId: 'c-1', status: 'RUNNING', startedAt: at(1) },
          { name: second.executionName, workflowId: 'order_fulfilment', ruleId: 'b-rule', eventId: 'evt-shared', correlationId: 'c-1', status: 'RUNNING', startedAt: at(2) },
        ],
      });
      expect(byCorrelation.map((e) => e.name)).toEqual([first, second, other].map((t) => t.executionName));
      expect(byCorrelation.every((e) => !('input' in e))).toBe(true);
    });

    it('orders executions started at the same instant by name', async () => {
      const store = await open();
      const started = [
        trigger({ ruleId: 'rule-c', correlationId: 'c-tie' }),
        trigger({ ruleId: 'rule-a', correlationId: 'c-tie' }),
        trigger({ ruleId: 'rule-b', correlationId: 'c-tie' }),
      ];
      for (const t of started) await store.record(t, at(0));

      expect((await store.byCorrelation('c-tie')).map((e) => e.name)).toEqual(started.map((t) => t.executionName).sort());
    });

    it('narrows by workflow and status', async () => {
      const store = await open();
      const done = trigger({ correlationId: 'c-f' });
      const running = trigger({ correlationId: 'c-f' });
      const elsewhere = trigger({ correlationId: 'c-f', workflowId: 'send_confirmation' });
      for (const [i, t] of [done, running, elsewhere].entries()) await store.record(t, at(i));
      await store.finish(done.executionName, { status: 'SUCCEEDED', stoppedAt: at(9) });

      const names = async (query: ExecutionQuery) => (await store.list(query)).executions.map((e) => e.name);

      expect(await names({ correlationId: 'c-f', status: 'RUNNING', limit: 10 })).toEqual([running.executionName, elsewhere.executionName]);
      expect(await names({ correlationId: 'c-f', workflowId: 'order_fulfilment', status: 'SUCCEEDED', limit: 10 })).toEqual([done.executionName]);
      expect(await names({ correlationId: 'c-f', workflowId: 'send_confirmation', limit: 10 })).toEqual([elsewhere.executionName]);
    });

    it("narrows an event's executions by correlation", async () => {
      const store = await open();
      const mine = trigger({ ruleId: 'a-rule', eventId: 'evt-two-ways', correlationId: 'c-mine' });
      const theirs = trigger({ ruleId: 'b-rule', eventId: 'evt-two-ways', correlationId: 'c-theirs' });
      await store.record(mine, at(0));
      await store.record(theirs, at(1));

      expect((await store.list({ eventId: 'evt-two-ways', correlationId: 'c-theirs', limit: 10 })).executions.map((e) => e.name)).toEqual([theirs.executionName]);
    });

    it('pages with a cursor, losing and repeating nothing, and ends without one', async () => {
      const store = await open();
      const triggers = Array.from({ length: 7 }, () => trigger({ correlationId: 'c-page' }));
      for (const [i, t] of triggers.entries()) await store.record(t, at(i));

      const seen: string[] = [];
      const sizes: number[] = [];
      let after: ExecutionQuery['after'];
      for (let page = 0; page < 10; page++) {
        const { executions, cursor } = await store.list({ correlationId: 'c-page', limit: 3, ...(after === undefined ? {} : { after }) });
        seen.push(...executions.map((e) => e.name));
        sizes.push(executions.length);
        if (cursor === undefined) break;
        after = decodeCursor(cursor);
      }

      expect(seen).toEqual(triggers.map((t) => t.executionName));
      expect(sizes).toEqual([3, 3, 1]);
    });

    it('pages a narrowed listing by the same cursor', async () => {
      const store = await open();
      const triggers = Array.from({ length: 5 }, (_, i) => trigger({ correlationId: 'c-narrow', workflowId: i % 2 === 0 ? 'order_fulfilment' : 'fraud_check' }));
      for (const [i, t] of triggers.entries()) await store.record(t, at(i));

      const first = await store.list({ correlationId: 'c-narrow', workflowId: 'order_fulfilment', limit: 2 });
      const second = await store.list({ correlationId: 'c-narrow', workflowId: 'order_fulfilment', limit: 2, after: decodeCursor(first.cursor as string) });

      expect(first.executions.map((e) => e.name)).toEqual([triggers[0], triggers[2]].map((t) => t?.executionName));
      expect(second).toEqual({ executions: [expect.objectContaining({ name: triggers[4]?.executionName })] });
    });
  });

  describe('listing every execution, newest first', () => {
    /** Records one execution per spec, a second apart, ending those given a status; answers their names. */
    const recordAll = async (store: ExecutionStore, specs: Array<{ workflowId?: string; status?: 'SUCCEEDED' | 'FAILED' }>) => {
      const started = specs.map((spec) => trigger(spec.workflowId === undefined ? {} : { workflowId: spec.workflowId }));
      for (const [i, t] of started.entries()) await store.record(t, at(i));
      for (const [i, spec] of specs.entries()) {
        const t = started[i] as Trigger;
        if (spec.status === 'FAILED') await store.finish(t.executionName, { status: 'FAILED', stoppedAt: at(i + 100), error: { error: 'Boom' } });
        if (spec.status === 'SUCCEEDED') await store.finish(t.executionName, { status: 'SUCCEEDED', stoppedAt: at(i + 100), output: { ok: true } });
      }
      return started.map((t) => t.executionName);
    };
    const names = async (store: ExecutionStore, listing: Omit<ExecutionListing, 'limit'> & { limit?: number }) =>
      (await store.recent({ limit: 100, ...listing })).executions.map((e) => e.name);

    it('lists every execution newest first, in the API shape without input or output', async () => {
      const store = await open();
      const [a, b, c] = await recordAll(store, [{ status: 'SUCCEEDED' }, { workflowId: 'send_confirmation', status: 'FAILED' }, {}]);

      const { executions, cursor } = await store.recent({ limit: 100 });

      expect(executions.map((e) => e.name)).toEqual([c, b, a]);
      expect(cursor).toBeUndefined();
      expect(executions[1]).toEqual({
        name: b,
        workflowId: 'send_confirmation',
        ruleId: 'fulfil-order',
        eventId: expect.any(String),
        correlationId: 'o-1',
        status: 'FAILED',
        startedAt: at(1),
        stoppedAt: at(101),
        error: { error: 'Boom' },
      });
      expect(executions[2]).not.toHaveProperty('output');
    });

    it('narrows by workflow, by status, and by both; an end moves an execution from RUNNING to its status', async () => {
      const store = await open();
      const [okA, failA, runA, failB] = await recordAll(store, [{ status: 'SUCCEEDED' }, { status: 'FAILED' }, {}, { workflowId: 'fraud_check', status: 'FAILED' }]);

      expect(await names(store, { workflowId: 'order_fulfilment' })).toEqual([runA, failA, okA]);
      expect(await names(store, { status: 'FAILED' })).toEqual([failB, failA]);
      expect(await names(store, { status: 'RUNNING' })).toEqual([runA]);
      expect(await names(store, { workflowId: 'fraud_check', status: 'FAILED' })).toEqual([failB]);
      expect(await names(store, { workflowId: 'fraud_check', status: 'SUCCEEDED' })).toEqual([]);
    });

    it('narrows by start time: from inclusive, to exclusive', async () => {
      const store = await open();
      const started = await recordAll(store, [{}, {}, {}, {}, {}]);

      expect(await names(store, { from: at(1), to: at(3) })).toEqual([started[2], started[1]]);
      expect(await names(store, { from: at(3) })).toEqual([started[4], started[3]]);
      expect(await names(store, { to: at(1) })).toEqual([started[0]]);
      expect(await names(store, { workflowId: 'order_fulfilment', from: at(4), to: at(4.5) })).toEqual([started[4]]);
    });

    it('pages newest first with a cursor, losing and repeating nothing, within a narrowing and a time range', async () => {
      const store = await open();
      const started = await recordAll(
        store,
        Array.from({ length: 9 }, (_, i) => (i % 3 === 2 ? { workflowId: 'fraud_check' } : {})),
      );
      const ours = started.filter((_, i) => i % 3 !== 2 && i >= 1);

      const seen: string[] = [];
      const sizes: number[] = [];
      let before: ExecutionListing['before'];
      for (let page = 0; page < 10; page++) {
        const { executions, cursor } = await store.recent({ workflowId: 'order_fulfilment', from: at(1), to: at(9), limit: 2, ...(before === undefined ? {} : { before }) });
        seen.push(...executions.map((e) => e.name));
        sizes.push(executions.length);
        if (cursor === undefined) break;
        before = decodeCursor(cursor);
      }

      expect(seen).toEqual([...ours].reverse());
      expect(sizes).toEqual([2, 2, 1]);
    });

    it('orders executions started at the same instant by name, descending, across pages', async () => {
      const store = await open();
      const tied = Array.from({ length: 6 }, (_, i) => trigger({ ruleId: `rule-${i}` }));
      for (const t of tied) await store.record(t, at(0));

      const first = await store.recent({ limit: 4 });
      const second = await store.recent({ limit: 4, before: decodeCursor(first.cursor as string) });

      expect([...first.executions, ...second.executions].map((e) => e.name)).toEqual(
        tied
          .map((t) => t.executionName)
          .sort()
          .reverse(),
      );
      expect(second.cursor).toBeUndefined();
    });
  });
}
