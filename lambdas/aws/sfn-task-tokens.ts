/**
 * Completes `.waitForTaskToken` tasks on Step Functions with `SendTaskSuccess`. A token whose task
 * has timed out, ended or never existed is reported as gone rather than thrown: nothing can complete
 * it any more, so its waiter is simply forgotten.
 */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskTokens } from '../core/index.js';
import { classifySdkError } from './sdk-errors.js';

const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/**
 * `TaskTokens` on Step Functions.
 * @example const delivered = await new SfnTaskTokens(client).succeed(token, event)
 */
export class SfnTaskTokens implements TaskTokens {
  constructor(private readonly client: SFNClient) {}

  /**
   * Sends `output` (as JSON) to the task waiting on `token`; false when that task is gone.
   * @throws RetryableError when Step Functions throttles or fails; anything else as it came.
   */
  async succeed(token: string, output: unknown): Promise<boolean> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      return true;
    } catch (error) {
      if (error instanceof Error && GONE.has(error.name)) return false;
      throw classifySdkError(error, 'completing a waiting task');
    }
  }
}
