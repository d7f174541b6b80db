import { LocalTaskTokens, TaskTokens } from '../../lambdas/embedded/task-tokens.js';
import { describeTaskTokensContract } from './task-tokens.contract.js';

describeTaskTokensContract("LocalTaskTokens (the embedded runner's tokens)", async () => {
  const runner = new TaskTokens();
  let executions = 0;
  return {
    tokens: new LocalTaskTokens(runner),
    waitingTask: async () => {
      // As the runner parks a `.waitForTaskToken` state: issue a token, then wait on it.
      const token = runner.issue(`execution-${++executions}`, 'WaitForPayment');
      const completed = runner.wait(token);
      return { token, completion: () => completed };
    },
    endedTask: async () => {
      const executionName = `execution-${++executions}`;
      const token = runner.issue(executionName, 'WaitForPayment');
      void runner.wait(token);
      // The runner forgets an execution's tokens when it ends (finished, failed or timed out).
      runner.release(executionName);
      return token;
    },
    unknownToken: () => 'never-issued#WaitForPayment#1',
    close: async () => undefined,
  };
});
