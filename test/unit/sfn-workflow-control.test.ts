/**
 * SfnWorkflowControl: the exact Step Functions calls a stop and a redrive make, the 14-day redrive window, the SFN
 * refusals as the engine's errors, and the Express restart under `<name>-redrive-<n>`.
 */
import {
  ExecutionDoesNotExist,
  ExecutionLimitExceeded,
  ExecutionNotRedrivable,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionArnOf, redriveToken, restartName, SfnWorkflowControl } from '../../lambdas/aws/sfn-workflow-control.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { ConflictError, NotFoundError, RetryableError, type StoredExecution, type Trigger, type WorkflowStarter } from '../../lambdas/core/index.js';

const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:edwe-';
const NOW = Date.now();
const iso = (ms: number): string => new Date(ms).toISOString();
const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

function anExecution(overrides: Partial<StoredExecution> = {}): StoredExecution {
  const event = { id: 'evt-1', type: 'order.placed', source: 'shop', timestamp: iso(NOW - 3_600_000), data: { orderId: 'o-1' } };
  return {
    name: 'fulfil-order-0123456789abcdef',
    workflowId: 'order_fulfilment',
    ruleId: 'fulfil-order',
    eventId: 'evt-1',
    correlationId: 'o-1',
    status: 'FAILED',
    startedAt: iso(NOW - 3_600_000),
    stoppedAt: iso(NOW - 3_000_000),
    input: { event, rule: { id: 'fulfil-order', priority: 0 }, correlationId: 'o-1' },
    ...overrides,
  };
}

function aControl(options: { starter?: WorkflowStarter } = {}) {
  const client = new SFNClient({ region: 'eu-west-1' });
  const starter = options.starter ?? new SfnWorkflowStarter({ client, stateMachineArns: (id) => `${PREFIX}${id}` });
  return new SfnWorkflowControl({ client, stateMachineArns: (id) => `${PREFIX}${id}`, expressWorkflows: new Set(['quick_check']), starter, clock: { now: () => NOW } });
}

const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:edwe-order_fulfilment:fulfil-order-0123456789abcdef';

describe('SfnWorkflowControl.stop', () => {
  it('sends StopExecution for the execution ARN built from the machine ARN, with the error and cause', async () => {
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date(NOW) });

    expect(await aControl().stop(anExecution({ status: 'RUNNING' }), { error: 'edwe.Stopped', cause: 'stopped by ops' })).toBe(true);

    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([{ executionArn: ARN, error: 'edwe.Stopped', cause: 'stopped by ops' }]);
  });

  it('refuses an Express execution (Step Functions cannot stop one) without calling it', async () => {
    await expect(aControl().stop(anExecution({ status: 'RUNNING', workflowId: 'quick_check' }), { error: 'edwe.Stopped' })).rejects.toThrow(ConflictError);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('answers 404 when Step Functions does not know the execution', async () => {
    sfn.on(StopExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    await expect(aControl().stop(anExecution({ status: 'RUNNING' }), { error: 'edwe.Stopped' })).rejects.toThrow(NotFoundError);
  });
});

describe('SfnWorkflowControl.redrive', () => {
  it('sends RedriveExecution for a Standard execution, with a client token per execution and redrive', async () => {
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date(NOW) });

    const outcome = await aControl().redrive(anExecution({ redriveCount: 1 }));

    expect(outcome).toEqual({ kind: 'resumed', executionName: 'fulfil-order-0123456789abcdef', redriveCount: 2 });
    expect(sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: ARN, clientToken: redriveToken('fulfil-order-0123456789abcdef', 2) },
    ]);
    expect(redriveToken('x'.repeat(80), 99).length).toBeLessThanOrEqual(64);
  });

  it('answers 409 past the 14-day window, without calling Step Functions', async () => {
    const old = anExecution({ stoppedAt: iso(NOW - 15 * 86_400_000) });

    await expect(aControl().redrive(old)).rejects.toThrow(/more than 14 days ago/);
    await expect(aControl().redrive(old)).rejects.toThrow(ConflictError);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('maps ExecutionNotRedrivable to 409, ExecutionDoesNotExist to 404 and ExecutionLimitExceeded to a retry', async () => {
    const control = aControl();
    sfn
      .on(RedriveExecutionCommand)
      .rejectsOnce(new ExecutionNotRedrivable({ message: 'Execution is SUCCEEDED and cannot be redriven', $metadata: {} }))
      .rejectsOnce(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }))
      .rejectsOnce(new ExecutionLimitExceeded({ message: 'limit', $metadata: {} }));

    await expect(control.redrive(anExecution())).rejects.toThrow(ConflictError);
    await expect(control.redrive(anExecution())).rejects.toThrow(NotFoundError);
    await expect(control.redrive(anExecution())).rejects.toThrow(RetryableError);
  });

  it('restarts an Express execution as <name>-redrive-<n> with the original input, through the starter', async () => {
    const started: Trigger[] = [];
    const execution = anExecution({ workflowId: 'quick_check', redriveCount: 2 });

    const outcome = await aControl({ starter: { start: async (t) => (started.push(t), { alreadyStarted: false }) } }).redrive(execution);

    expect(outcome).toEqual({ kind: 'restarted', executionName: 'fulfil-order-0123456789abcdef-redrive-3', redriveCount: 3 });
    expect(started).toEqual([{ workflowId: 'quick_check', ruleId: 'fulfil-order', executionName: 'fulfil-order-0123456789abcdef-redrive-3', input: execution.input }]);
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it('sends StartExecution with the original input for an Express restart on the bare starter', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date(NOW) });
    const execution = anExecution({ workflowId: 'quick_check' });

    await aControl().redrive(execution);

    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: `${PREFIX}quick_check`, name: 'fulfil-order-0123456789abcdef-redrive-1', input: JSON.stringify(execution.input) },
    ]);
  });
});

describe('names', () => {
  it('cuts a long name so that the restart name fits 80 characters, and builds execution ARNs', () => {
    expect(restartName('a'.repeat(80), 12)).toBe(`${'a'.repeat(69)}-redrive-12`);
    expect(restartName('a'.repeat(80), 12)).toHaveLength(80);
    expect(executionArnOf(`${PREFIX}wf`, 'n-1')).toBe('arn:aws:states:eu-west-1:123456789012:execution:edwe-wf:n-1');
  });
});
