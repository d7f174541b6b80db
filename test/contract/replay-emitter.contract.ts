/**
 * The replay-emitter port's contract, run against every adapter (the embedded local bus, EventBridge
 * with PutEvents stubbed): entries reach the bus exactly as given and in order, across calls; what
 * the bus refuses for good comes back with a code and a message, the rest is emitted; counts add up.
 */
import { describe, expect, it } from 'vitest';
import { REPLAY_SOURCE, type ReplayBusEntry, type ReplayEmitter } from '../../lambdas/core/index.js';

/** The workflows whose entries the bus takes, and the one whose entries it refuses for good. */
export const ACCEPTED_WORKFLOWS = ['onboarding_workflow', 'order_fulfilment'] as const;
export const REFUSED_WORKFLOW = 'refused_workflow';

/** An adapter as the contract drives it. */
export interface ReplayEmitterUnderTest {
  emitter: ReplayEmitter;
  /** The entries the bus took so far, in the order it took them, as replay bus entries. */
  delivered(): ReplayBusEntry[];
}

/**
 * A fresh emitter whose bus takes the entries of `ACCEPTED_WORKFLOWS` and refuses for good (as
 * EventBridge refuses a malformed entry, or as no rule of the local bus takes it) those of `REFUSED_WORKFLOW`.
 */
export type ReplayEmitterFactory = () => Promise<ReplayEmitterUnderTest>;

const T0 = Date.parse('2026-11-24T10:00:00.000Z');

/** The `i`th replayed event, addressed to `workflowId`. */
export function aBusEntry(i: number, workflowId: string = ACCEPTED_WORKFLOWS[i % ACCEPTED_WORKFLOWS.length] as string): ReplayBusEntry {
  const event = {
    id: `01JEMIT${String(i).padStart(19, '0')}`,
    type: 'user_registration',
    source: 'contract',
    timestamp: new Date(T0 + i * 1000).toISOString(),
    data: { userId: `u-${i}`, plan: { seats: i } },
  };
  const executionName = `rule-${workflowId}-r-${String(i).padStart(16, '0')}`;
  return {
    source: REPLAY_SOURCE,
    'detail-type': event.type,
    time: event.timestamp,
    detail: {
      workflowId,
      ruleId: `rule-${workflowId}`,
      executionName,
      input: { event, rule: { id: `rule-${workflowId}`, priority: 100 }, correlationId: event.id, replay: { replayId: 'R-CONTRACT' } },
      replay: { replayId: 'R-CONTRACT', originalEventId: event.id },
    },
  };
}

export function describeReplayEmitterContract(name: string, factory: ReplayEmitterFactory): void {
  describe(`ReplayEmitter contract: ${name}`, () => {
    it('says how many entries one call should carry', async () => {
      const { emitter } = await factory();

      expect(Number.isInteger(emitter.maxEntriesPerCall) && emitter.maxEntriesPerCall >= 1).toBe(true);
    });

    it('puts a call’s worth of entries on the bus exactly as given, in order, and reports them emitted', async () => {
      const { emitter, delivered } = await factory();
      const entries = Array.from({ length: emitter.maxEntriesPerCall }, (_, i) => aBusEntry(i));

      const result = await emitter.emit(entries);

      expect(result).toMatchObject({ emitted: entries.length, refused: [] });
      expect(result.calls).toBeGreaterThanOrEqual(1);
      expect(delivered()).toEqual(entries);
    });

    it('keeps the order across calls', async () => {
      const { emitter, delivered } = await factory();
      const entries = Array.from({ length: 7 }, (_, i) => aBusEntry(i));

      for (const call of [entries.slice(0, 3), entries.slice(3, 4), entries.slice(4)]) await emitter.emit(call);

      expect(delivered().map((e) => e.detail.replay.originalEventId)).toEqual(entries.map((e) => e.detail.replay.originalEventId));
    });

    it('makes no call for no entries', async () => {
      const { emitter, delivered } = await factory();

      expect(await emitter.emit([])).toEqual({ emitted: 0, refused: [], calls: 0 });
      expect(delivered()).toEqual([]);
    });

    it('returns what the bus refuses for good, with a code and a message, and emits the rest in order', async () => {
      const { emitter, delivered } = await factory();
      const entries = [aBusEntry(0), aBusEntry(1, REFUSED_WORKFLOW), aBusEntry(2), aBusEntry(3, REFUSED_WORKFLOW), aBusEntry(4)];

      const result = await emitter.emit(entries);

      expect(result.emitted).toBe(3);
      expect(result.refused.map((r) => r.entry)).toEqual([entries[1], entries[3]]);
      for (const refused of result.refused) {
        expect(refused.code).toMatch(/^\w+$/);
        expect(refused.message).not.toBe('');
      }
      expect(delivered()).toEqual([entries[0], entries[2], entries[4]]);
    });
  });
}
