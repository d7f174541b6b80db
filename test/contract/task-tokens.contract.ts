/**
 * The task-tokens port's contract, run against every adapter (Step Functions through a mocked
 * client, the embedded runner's tokens): a waiting task is completed with the output, once; a token
 * whose task has ended, or that no task ever had, answers false rather than throwing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskTokens } from '../../lambdas/core/index.js';

/** A task parked on its token, and what it was completed with once it is. */
export interface WaitingTask {
  token: string;
  completion(): Promise<unknown>;
}

/** An adapter as the contract drives it, with the tasks it completes. */
export interface TaskTokensUnderTest {
  tokens: TaskTokens;
  waitingTask(): Promise<WaitingTask>;
  /** The token of a task that has ended (it timed out, or its execution stopped). */
  endedTask(): Promise<string>;
  /** A token no task ever had. */
  unknownToken(): string;
  close(): Promise<void>;
}

export type TaskTokensFactory = () => Promise<TaskTokensUnderTest>;

/** Runs the contract against an adapter. */
export function describeTaskTokensContract(name: string, factory: TaskTokensFactory): void {
  describe(`${name}: the task-tokens contract`, () => {
    let current: TaskTokensUnderTest | undefined;
    const open = async (): Promise<TaskTokensUnderTest> => {
      current = await factory();
      return current;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('completes a waiting task with the output', async () => {
      const { tokens, waitingTask } = await open();
      const task = await waitingTask();
      const output = { id: 'pay-1', type: 'payment.received', data: { amount: 42, items: ['a', 'b'] } };

      expect(await tokens.succeed(task.token, output)).toBe(true);

      expect(await task.completion()).toEqual(output);
    });

    it('completes a task once: a second completion answers false and changes nothing', async () => {
      const { tokens, waitingTask } = await open();
      const task = await waitingTask();

      await tokens.succeed(task.token, { first: true });

      expect(await tokens.succeed(task.token, { second: true })).toBe(false);
      expect(await task.completion()).toEqual({ first: true });
    });

    it('answers false for a task that has ended', async () => {
      const { tokens, endedTask } = await open();

      expect(await tokens.succeed(await endedTask(), { late: true })).toBe(false);
    });

    it('answers false for a token no task ever had', async () => {
      const { tokens, unknownToken } = await open();

      expect(await tokens.succeed(unknownToken(), { stray: true })).toBe(false);
    });

    it('keeps tasks apart: completing one leaves the other waiting', async () => {
      const { tokens, waitingTask } = await open();
      const one = await waitingTask();
      const other = await waitingTask();

      await tokens.succeed(one.token, { for: 'one' });

      expect(await tokens.succeed(other.token, { for: 'other' })).toBe(true);
      expect(await one.completion()).toEqual({ for: 'one' });
      expect(await other.completion()).toEqual({ for: 'other' });
    });
  });
}
