/**
 * The dead-letter-queue port's contract, run against every adapter (SQS stubbed, the embedded
 * SQLite table): a letter is kept as it was sent — its source, reason, message, details, where the
 * record was and its original bytes — and letters are kept in the order sent.
 */
import { describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterQueue } from '../../lambdas/core/index.js';

/** An adapter as the contract drives it. */
export interface DeadLetterQueueUnderTest {
  queue: DeadLetterQueue;
  /** The letters the queue holds, oldest first, as letters (what the adapter adds, such as when, left out). */
  kept(): Promise<DeadLetter[]>;
}

/** A fresh, empty queue. */
export type DeadLetterQueueFactory = () => Promise<DeadLetterQueueUnderTest>;

const aLetter = (n: number, overrides: Partial<DeadLetter> = {}): DeadLetter => ({
  source: 'replay',
  reason: 'MalformedDetail',
  message: `entry ${n} is malformed`,
  details: [{ path: 'detail', message: 'is not JSON' }],
  record: { replayId: 'R-CONTRACT', eventId: `E${n}`, workflowId: 'onboarding_workflow' },
  data: Buffer.from(JSON.stringify({ n, text: 'ünïcödé' }), 'utf8').toString('base64'),
  ...overrides,
});

export function describeDeadLetterQueueContract(name: string, factory: DeadLetterQueueFactory): void {
  describe(`DeadLetterQueue contract: ${name}`, () => {
    it('keeps a letter as it was sent', async () => {
      const { queue, kept } = await factory();

      await queue.send(aLetter(1));

      expect(await kept()).toEqual([aLetter(1)]);
    });

    it('keeps letters in the order sent, a letter without data without it', async () => {
      const { queue, kept } = await factory();
      const { data: _data, ...withoutData } = aLetter(2, { source: 'kinesis', reason: 'validation_error', details: [], record: { shardId: 'shard-1', sequenceNumber: '42' } });

      await queue.send(aLetter(1));
      await queue.send(withoutData);
      await queue.send(aLetter(3));

      expect(await kept()).toEqual([aLetter(1), withoutData, aLetter(3)]);
    });
  });
}
