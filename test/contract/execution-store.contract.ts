/**
 * The execution-store port's contract, run against every adapter (SQLite embedded, DynamoDB on
 * dynalite): a record is written once and an end recorded once, reads give it back with its input, a held
 * (QUEUED) trigger is taken over by its start. Its redrives, drops and listings have their own files
 * (execution-redrives, execution-drops and execution-listings.contract.ts), run from here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { executionName, type EngineEvent, type ExecutionStore, type RedriveRecords, type Trigger } from '../../lambdas/core/index.js';
import { describeDropContract } from './execution-drops.contract.js';
import { describeListingContract } from './execution-listings.contract.js';
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
    describeListingContract({ open, at, trigger });
  });
}
