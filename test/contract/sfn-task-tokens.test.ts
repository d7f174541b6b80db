import { InvalidToken, SendTaskSuccessCommand, SFNClient, SFNServiceException, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SfnTaskTokens } from '../../lambdas/aws/sfn-task-tokens.js';
import { RetryableError } from '../../lambdas/core/index.js';
import { describeTaskTokensContract } from './task-tokens.contract.js';

const sfn = mockClient(SFNClient);
afterAll(() => sfn.restore());

/**
 * Step Functions' task tokens as SendTaskSuccess meets them: a waiting task's token completes it
 * once; the token of a task that timed out or completed answers TaskTimedOut; a token it never
 * issued answers InvalidToken.
 */
function fakeTaskTokenService() {
  const waiting = new Map<string, (output: unknown) => void>();
  const gone = new Set<string>();
  let issued = 0;
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).callsFake(({ taskToken, output }: { taskToken: string; output: string }) => {
    const complete = waiting.get(taskToken);
    if (complete !== undefined) {
      waiting.delete(taskToken);
      gone.add(taskToken);
      complete(JSON.parse(output));
      return {};
    }
    if (gone.has(taskToken)) throw new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} });
    throw new InvalidToken({ message: 'Invalid Token', $metadata: {} });
  });
  const issue = (): string => `AAAAKgAAAAIAAAAA-task-${++issued}`;
  return {
    waitingTask: async () => {
      const token = issue();
      const completed = new Promise<unknown>((resolve) => waiting.set(token, resolve));
      return { token, completion: () => completed };
    },
    endedTask: async () => {
      const token = issue();
      gone.add(token);
      return token;
    },
    unknownToken: () => 'never-issued-token',
  };
}

describeTaskTokensContract('SfnTaskTokens (Step Functions mocked)', async () => ({
  tokens: new SfnTaskTokens(new SFNClient({ region: 'us-east-1' })),
  ...fakeTaskTokenService(),
  close: async () => undefined,
}));

describe('SfnTaskTokens on the Step Functions API', () => {
  const tokens = new SfnTaskTokens(new SFNClient({ region: 'us-east-1' }));
  beforeEach(() => sfn.reset());

  it('sends exactly SendTaskSuccess with the token and the output as JSON', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    const event = { id: 'pay-1', type: 'payment.received', source: 'payments', timestamp: '2026-11-20T10:00:00.000Z', data: { amount: 42 }, correlationId: 'o-5' };

    expect(await tokens.succeed('token-wait-1', event)).toBe(true);

    expect(sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input)).toEqual([{ taskToken: 'token-wait-1', output: JSON.stringify(event) }]);
  });

  it.each([
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', () => new InvalidToken({ message: 'Invalid Token', $metadata: {} })],
  ])('answers false when Step Functions says %s', async (_name, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error());

    expect(await tokens.succeed('token-gone', {})).toBe(false);
  });

  it('throws a RetryableError when Step Functions throttles', async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }));

    await expect(tokens.succeed('token-busy', {})).rejects.toBeInstanceOf(RetryableError);
  });
});
