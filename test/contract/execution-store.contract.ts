/**
 * The execution-store port's contract, run against every adapter (SQLite embedded, DynamoDB on
 * dynalite): a record is written once and an end recorded once, reads give it back with its input,
 * listings by event or correlation come in (startedAt, name) order, narrowed and paged, and the listing of
 * every execution comes newest first, narrowed by workflow, status and time, and paged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeCursor,
  executionName,
  type EngineEvent,
  type ExecutionListing,
  type ExecutionQuery,
  type ExecutionStore,
  type RedriveRecords,
  type Trigger,
} from '../../lambdas/core/index.js';
import { describeDropContract } from './execution-drops.contract.js';
import { describeRedriveContract } from './execution-redrives.contract.js';

/** An adapter as the contract drives it. */
export interface ExecutionStoreUnderTest {
  store: ExecutionStore & RedriveRecords;
  close(): Promise<void>;
}

/** A fresh, empty store for each test, on the clock given. */
export type ExecutionStoreFactory = (options: { now: () => number }) => Promise<ExecutionStoreUnderTest>;

let counter = 0;
/** A trigger of `ruleId` for a fresh event (or the one named) of `correlationId`. */
export function aTrigger(at: (second: number) => string, overrides: { ruleId?: string; workflowId?: string; correlationId?: string; eventId?: string } = {}): Trigger {
  const ruleId = overrides.ruleId ?? 'fulfil-order';
  const event: EngineEvent = { id: overrides.eventId ?? `evt-contract-${++counter}`, type: 'order.placed', source: 'shop', timestamp: at(0), data: { orderId: 'o-1' } };
  return {
    workflowId: overrides.workflowId ?? 'order_fulfilment',
    ruleId,
    executionName: executionName(ruleId, event.id),
    input: { event, rule: { id: ruleId, priority: 0 }, correlationId: overrides.correlationId ?? 'o-1' },
  };
}

/** Runs the contract against an adapter. */
export function describeExecutionStoreContract(name: string, factory: ExecutionStoreFactory): void {
  describe(`${name}: the execution-store contract`, () => {
    // Times follow the clock the suite runs under, so nothing here depends on the date.
    const NOW = Date.now();
    const at = (second: number): string => new Date(NOW + second * 1000).toISOString();
    const trigger = (overrides: Parameters<typeof aTrigger>[1] = {}) => aTrigger(at, overrides);

    let current: ExecutionStoreUnderTest | undefined;
    const open = async (): Promise<ExecutionStore & RedriveRecords> => {
      current = await factory({ now: () => NOW });
      return current.store;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    describe('recording', () => {
      it('records an execution once: a second record of the name answers false and keeps the first', async () => {
        const store = await open();
        const started = trigger({ correlationId: 'o-7' });

        expect(await store.record(started, at(1))).toBe(true);
        expect(await store.record(started, at(2))).toBe(false);

        expect(await store.get(started.executionName)).toEqual({
          name: started.executionName,
          workflowId: 'order_fulfilment',
          ruleId: 'fulfil-order',
          eventId: started.input.event.id,
          correlationId: 'o-7',
          status: 'RUNNING',
          startedAt: at(1),
          input: started.input,
        });
      });

      it('keeps the version of the rule that started it, a counter or a digest, and lists it', async () => {
        const store = await open();
        const managed = { ...trigger({ correlationId: 'o-v' }), ruleVersion: 3 };
        const files = { ...trigger({ correlationId: 'o-v', ruleId: 'from-files' }), ruleVersion: '0a1b2c3d4e5f' };

        await store.record(managed, at(1));
        await store.record(files, at(2));

        expect(await store.get(managed.executionName)).toMatchObject({ ruleVersion: 3 });
        expect(await store.get(files.executionName)).toMatchObject({ ruleVersion: '0a1b2c3d4e5f' });
        expect((await store.byCorrelation('o-v')).map((e) => e.ruleVersion)).toEqual([3, '0a1b2c3d4e5f']);
      });

      it('answers nothing for a name never recorded', async () => {
        const store = await open();

        expect(await store.get('no-such-execution')).toBeUndefined();
      });
    });

    describe('finishing', () => {
      it('moves a running execution to its end once, with its output or error', async () => {
        const store = await open();
        const ok = trigger();
        const bad = trigger();
        await store.record(ok, at(0));
        await store.record(bad, at(0));

        expect(await store.finish(ok.executionName, { status: 'SUCCEEDED', stoppedAt: at(9), output: { outcome: 'confirmed' } })).toBe(true);
        expect(await store.finish(bad.executionName, { status: 'TIMED_OUT', stoppedAt: at(9), error: { error: 'States.Timeout' } })).toBe(true);

        expect(await store.get(ok.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: at(9), output: { outcome: 'confirmed' } });
        expect(await store.get(bad.executionName)).toMatchObject({ status: 'TIMED_OUT', stoppedAt: at(9), error: { error: 'States.Timeout' } });
      });

      it('keeps the first end: a later one answers false, and no record that is missing is finished', async () => {
        const store = await open();
        const started = trigger();
        await store.record(started, at(0));
        await store.finish(started.executionName, { status: 'SUCCEEDED', stoppedAt: at(5) });

        expect(await store.finish(started.executionName, { status: 'FAILED', stoppedAt: at(6), error: { error: 'Late' } })).toBe(false);
        expect(await store.finish('no-such-execution', { status: 'SUCCEEDED', stoppedAt: at(6) })).toBe(false);
        expect(await store.get(started.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: at(5) });
        expect(await store.get(started.executionName)).not.toHaveProperty('error');
        expect(await store.get('no-such-execution')).toBeUndefined();
      });
    });

    describe('holding (QUEUED: a trigger flow control holds)', () => {
      it('holds a trigger once as QUEUED, listed by status, and a later hold of the name keeps the first', async () => {
        const store = await open();
        const held = trigger({ correlationId: 'o-8' });

        expect(await store.hold(held, at(1))).toBe(true);
        expect(await store.hold(held, at(2))).toBe(false);

        expect(await store.get(held.executionName)).toMatchObject({ name: held.executionName, status: 'QUEUED', startedAt: at(1), correlationId: 'o-8' });
        expect((await store.recent({ limit: 10, status: 'QUEUED' })).executions.map((e) => e.name)).toEqual([held.executionName]);
      });

      it('starts a held trigger under the same name: record takes it over with its own input and start time, once', async () => {
        const store = await open();
        const held = trigger({ correlationId: 'o-9' });
        await store.hold(held, at(1));
        const last = { ...trigger({ correlationId: 'o-9' }), executionName: held.executionName };

        expect(await store.record(last, at(4))).toBe(true);
        expect(await store.record(last, at(5))).toBe(false);

        expect(await store.get(held.executionName)).toMatchObject({ status: 'RUNNING', startedAt: at(4), eventId: last.input.event.id, input: last.input });
      });

      it('does not hold over a running execution, and drops a held one as ABORTED, which then never starts', async () => {
        const store = await open();
        const running = trigger();
        const held = trigger();
        await store.record(running, at(0));
        await store.hold(held, at(0));

        expect(await store.hold(running, at(1))).toBe(false);
        expect(await store.finish(held.executionName, { status: 'ABORTED', stoppedAt: at(2), error: { error: 'edwe.Cancelled' } })).toBe(true);
        expect(await store.record(held, at(3))).toBe(false);

        expect(await store.get(running.executionName)).toMatchObject({ status: 'RUNNING' });
        expect(await store.get(held.executionName)).toMatchObject({ status: 'ABORTED', stoppedAt: at(2), error: { error: 'edwe.Cancelled' } });
      });
    });

    describeRedriveContract({ open, at, trigger });
    describeDropContract({ open, at, trigger });

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
  });
}
