import { describe, expect, it } from 'vitest';
import { executionArnsOf, standardExecutionArn } from '../../lambdas/aws/execution-arn.js';
import { queryDepsFromEnv } from '../../lambdas/aws/wiring/query.js';

describe('Step Functions execution ARNs', () => {
  it("is the machine's ARN with stateMachine turned into execution and the name appended", () => {
    expect(standardExecutionArn('arn:aws:states:us-east-1:111122223333:stateMachine:edwe-onboarding', 'rule-e1')).toBe(
      'arn:aws:states:us-east-1:111122223333:execution:edwe-onboarding:rule-e1',
    );
    expect(standardExecutionArn('arn:aws-cn:states:cn-north-1:111122223333:stateMachine:m', 'n')).toBe('arn:aws-cn:states:cn-north-1:111122223333:execution:m:n');
  });

  it('has none for what is not a state machine ARN', () => {
    expect(standardExecutionArn('arn:aws:states:us-east-1:111122223333:activity:a', 'n')).toBeUndefined();
    expect(standardExecutionArn('arn:aws:lambda:us-east-1:111122223333:function:f', 'n')).toBeUndefined();
    expect(standardExecutionArn('not an arn', 'n')).toBeUndefined();
  });

  it('reads the machines from a map or a prefix, and has none for Express or unknown workflows', () => {
    const fromMap = executionArnsOf(new Map([['w', 'arn:aws:states:r:1:stateMachine:w']]), new Set());
    expect(fromMap('w', 'x')).toBe('arn:aws:states:r:1:execution:w:x');
    expect(fromMap('other', 'x')).toBeUndefined();
    const fromPrefix = executionArnsOf((id) => `arn:aws:states:r:1:stateMachine:p-${id}`, new Set(['fast']));
    expect(fromPrefix('slow', 'x')).toBe('arn:aws:states:r:1:execution:p-slow:x');
    expect(fromPrefix('fast', 'x')).toBeUndefined();
  });

  it("is wired from the query function's environment when the machines are given, and absent otherwise", () => {
    const base = { EVENTS_TABLE: 'events', AWS_REGION: 'us-east-1' };
    const withMachines = queryDepsFromEnv({
      ...base,
      STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:1:stateMachine:edwe-',
      WORKFLOW_TYPES: JSON.stringify({ onboarding: 'STANDARD', quick: 'EXPRESS' }),
    });
    expect(withMachines.executionArnOf?.('onboarding', 'n')).toBe('arn:aws:states:us-east-1:1:execution:edwe-onboarding:n');
    expect(withMachines.executionArnOf?.('quick', 'n')).toBeUndefined();
    expect(queryDepsFromEnv(base).executionArnOf).toBeUndefined();
  });
});
