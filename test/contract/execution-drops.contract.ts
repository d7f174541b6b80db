/**
 * The conditional drop of the execution-store contract (`finishIfQueued`), run against every adapter with the rest of
 * the contract: only a QUEUED record is ended; one a start took over first (RUNNING), one that ended, and one that is
 * missing are left as they are, and the answer says so.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionStore, Trigger } from '../../lambdas/core/index.js';

/** What the drop contract needs from the main one: a fresh store, the times, and triggers. */
export interface DropContractContext {
  open(): Promise<ExecutionStore>;
  at(second: number): string;
  trigger(): Trigger;
}

export function describeDropContract({ open, at, trigger }: DropContractContext): void {
  describe('dropping a held execution only while it is QUEUED (finishIfQueued)', () => {
    const stopped = (second: number) => ({ status: 'ABORTED' as const, stoppedAt: at(second), error: { error: 'edwe.Stopped', cause: 'stopped by ops' } });

    it('ends a QUEUED record ABORTED, listed under its end, and a start after it finds it ended', async () => {
      const store = await open();
      const held = trigger();
      await store.hold(held, at(1));

      expect(await store.finishIfQueued(held.executionName, stopped(2))).toBe(true);
      expect(await store.record(held, at(3))).toBe(false);

      expect(await store.get(held.executionName)).toMatchObject({ status: 'ABORTED', stoppedAt: at(2), error: { error: 'edwe.Stopped', cause: 'stopped by ops' } });
      expect((await store.recent({ limit: 10, status: 'QUEUED' })).executions).toEqual([]);
      expect((await store.recent({ limit: 10, status: 'ABORTED' })).executions.map((e) => e.name)).toEqual([held.executionName]);
    });

    it('leaves a record a start took over (RUNNING) as it is and answers false; so too an ended one and a missing one', async () => {
      const store = await open();
      const started = trigger();
      const ended = trigger();
      await store.hold(started, at(1));
      await store.record(started, at(2));
      await store.record(ended, at(1));
      await store.finish(ended.executionName, { status: 'SUCCEEDED', stoppedAt: at(3) });

      expect(await store.finishIfQueued(started.executionName, stopped(4))).toBe(false);
      expect(await store.finishIfQueued(ended.executionName, stopped(4))).toBe(false);
      expect(await store.finishIfQueued('no-such-execution', stopped(4))).toBe(false);

      expect(await store.get(started.executionName)).toMatchObject({ status: 'RUNNING', startedAt: at(2) });
      expect(await store.get(started.executionName)).not.toHaveProperty('stoppedAt');
      expect(await store.get(ended.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: at(3) });
      expect(await store.get('no-such-execution')).toBeUndefined();
      // The running one still ends as any run does.
      expect(await store.finish(started.executionName, { status: 'SUCCEEDED', stoppedAt: at(5) })).toBe(true);
    });

    it('answers a start that comes after the drop false, and the record then tells the drop (ABORTED, its error) from a run recorded first', async () => {
      // What a Standard start on AWS (StartExecution, then `record`) reads to stop an execution that lost to a drop.
      const store = await open();
      const dropped = trigger();
      const runFirst = trigger();
      await store.hold(dropped, at(1));
      await store.finishIfQueued(dropped.executionName, stopped(2));
      await store.record(runFirst, at(1));

      expect([await store.record(dropped, at(3)), await store.record(runFirst, at(3))]).toEqual([false, false]);

      expect(await store.get(dropped.executionName)).toMatchObject({ status: 'ABORTED', stoppedAt: at(2), error: { error: 'edwe.Stopped', cause: 'stopped by ops' } });
      expect(await store.get(runFirst.executionName)).toMatchObject({ status: 'RUNNING', startedAt: at(1) });
    });
  });
}
