/**
 * The redrive side of the execution-store contract (`RedriveRecords`), run against every adapter with the rest of
 * the contract: a redrive moves an ended record back to RUNNING with its count and history under a condition on
 * status and count, an undone one puts the end back, and the listings show or leave out the redrives.
 */
import { expect, it, describe } from 'vitest';
import type { ExecutionStore, RedriveRecords, Trigger } from '../../lambdas/core/index.js';

/** What the redrive contract needs from the main one: a fresh store, the times, and triggers. */
export interface RedriveContractContext {
  open(): Promise<ExecutionStore & RedriveRecords>;
  at(second: number): string;
  trigger(overrides?: { eventId?: string }): Trigger;
}

export function describeRedriveContract({ open, at, trigger }: RedriveContractContext): void {
  describe('redriving', () => {
    const redrive = (name: string, second: number) => ({ at: at(second), by: 'ops@example.com', fromState: 'Charge', executionName: name });

    it('moves an ended record back to RUNNING with its redrive count and history, its end cleared, and lets the redriven run finish', async () => {
      const store = await open();
      const failed = trigger();
      await store.record(failed, at(0));
      await store.finish(failed.executionName, { status: 'FAILED', stoppedAt: at(5), error: { error: 'Boom' } });

      const moved = await store.setRedrive(failed.executionName, { status: 'FAILED', redriveCount: 0 }, { redriveCount: 1, redrives: [redrive(failed.executionName, 6)] });

      expect(moved).toBe(true);
      const running = await store.get(failed.executionName);
      expect(running).toMatchObject({ status: 'RUNNING', redriveCount: 1, redrives: [redrive(failed.executionName, 6)] });
      expect(running).not.toHaveProperty('stoppedAt');
      expect(running).not.toHaveProperty('error');
      expect(await store.finish(failed.executionName, { status: 'SUCCEEDED', stoppedAt: at(9), output: { ok: true } })).toBe(true);
      expect(await store.get(failed.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: at(9), output: { ok: true }, redriveCount: 1 });
    });

    it('writes nothing when the record is not as expected: another status, another count, or no record', async () => {
      const store = await open();
      const failed = trigger();
      await store.record(failed, at(0));
      await store.finish(failed.executionName, { status: 'FAILED', stoppedAt: at(5), error: { error: 'Boom' } });
      await store.setRedrive(failed.executionName, { status: 'FAILED', redriveCount: 0 }, { redriveCount: 1, redrives: [redrive(failed.executionName, 6)] });

      const next = { redriveCount: 2, redrives: [redrive(failed.executionName, 6), redrive(failed.executionName, 7)] };
      expect(await store.setRedrive(failed.executionName, { status: 'FAILED', redriveCount: 1 }, next)).toBe(false);
      expect(await store.setRedrive(failed.executionName, { status: 'RUNNING', redriveCount: 0 }, next)).toBe(false);
      expect(await store.setRedrive('no-such-execution', { status: 'FAILED', redriveCount: 0 }, next)).toBe(false);
      expect(await store.get(failed.executionName)).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    });

    it('puts an end back with the count and history given (an undone redrive, or an Express restart under another name)', async () => {
      const store = await open();
      const failed = trigger();
      await store.record(failed, at(0));
      await store.finish(failed.executionName, { status: 'TIMED_OUT', stoppedAt: at(5), error: { error: 'States.Timeout' } });
      await store.setRedrive(failed.executionName, { status: 'TIMED_OUT', redriveCount: 0 }, { redriveCount: 1, redrives: [redrive(failed.executionName, 6)] });

      const end = { status: 'TIMED_OUT' as const, stoppedAt: at(5), error: { error: 'States.Timeout' } };
      expect(await store.setRedrive(failed.executionName, { status: 'RUNNING', redriveCount: 1 }, { redriveCount: 0, redrives: [], end })).toBe(true);

      const undone = await store.get(failed.executionName);
      expect(undone).toMatchObject({ status: 'TIMED_OUT', stoppedAt: at(5), error: { error: 'States.Timeout' } });
      expect(undone).not.toHaveProperty('redriveCount');
      expect(undone).not.toHaveProperty('redrives');
      expect((await store.recent({ status: 'TIMED_OUT', limit: 10 })).executions.map((e) => e.name)).toContain(failed.executionName);
    });

    it("shows the redrives in an event's listing, and leaves them out of the listing of every execution", async () => {
      const store = await open();
      const failed = trigger({ eventId: 'evt-redriven' });
      await store.record(failed, at(0));
      await store.finish(failed.executionName, { status: 'ABORTED', stoppedAt: at(5) });
      await store.setRedrive(failed.executionName, { status: 'ABORTED', redriveCount: 0 }, { redriveCount: 1, redrives: [redrive(failed.executionName, 6)] });

      expect((await store.list({ eventId: 'evt-redriven', limit: 10 })).executions[0]).toMatchObject({ redriveCount: 1, redrives: [redrive(failed.executionName, 6)] });
      const listed = (await store.recent({ status: 'RUNNING', limit: 100 })).executions.find((e) => e.name === failed.executionName);
      expect(listed).toBeDefined();
      expect(listed).not.toHaveProperty('redrives');
    });
  });
}
