import { describe, expect, it } from 'vitest';
import { MAX_STORED_OUTPUT_BYTES } from '../../lambdas/aws/execution-item.js';
import { executionChangeOf, type StatusChange } from '../../lambdas/aws/sfn-status-change.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:WorkflowsorderfulfilmentA1B2C3';
const STARTED = Date.parse('2026-11-20T10:00:00.000Z');
const input = {
  event: { id: 'evt-1', type: 'order.placed', source: 'shop', timestamp: '2026-11-20T09:59:59.000Z', data: {} },
  rule: { id: 'fulfil', priority: 0 },
  correlationId: 'o-1',
};
const aChange = (fields: Partial<StatusChange> = {}): StatusChange => ({
  name: 'fulfil-abc',
  stateMachineArn: ARN,
  status: 'RUNNING',
  startDate: STARTED,
  input: JSON.stringify(input),
  ...fields,
});
const workflowIds = new Map([[ARN, 'order_fulfilment']]);

describe('executionChangeOf (a Step Functions status change as core reads it)', () => {
  it('reads a start: the start time, the workflow named by its state machine, and the workflow input', () => {
    expect(executionChangeOf(aChange(), workflowIds)).toEqual({
      kind: 'change',
      change: { name: 'fulfil-abc', status: 'RUNNING', startedAt: '2026-11-20T10:00:00.000Z', workflowId: 'order_fulfilment', input },
    });
  });

  it('reads an end with its stop time, output and error; an abort without an error is States.Aborted', () => {
    const ended = executionChangeOf(aChange({ status: 'SUCCEEDED', stopDate: STARTED + 5000, output: '{"ok":true}' }), workflowIds);
    const aborted = executionChangeOf(aChange({ status: 'ABORTED', stopDate: null }), workflowIds);

    expect(ended).toMatchObject({ change: { status: 'SUCCEEDED', stoppedAt: '2026-11-20T10:00:05.000Z', output: { ok: true } } });
    expect(aborted).toMatchObject({ change: { status: 'ABORTED', error: { error: 'States.Aborted' } } });
    expect(aborted).not.toHaveProperty('change.stoppedAt');
  });

  it("leaves out an output too large to keep and an input that is not the engine's, and names an unknown state machine by its ARN", () => {
    const big = JSON.stringify({ blob: 'x'.repeat(MAX_STORED_OUTPUT_BYTES) });
    const read = executionChangeOf(
      aChange({ status: 'SUCCEEDED', output: big, input: '{"not":"ours"}', stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:Other' }),
      workflowIds,
    );

    expect(read).toMatchObject({ kind: 'change', change: { workflowId: 'Other' } });
    expect(read).not.toHaveProperty('change.output');
    expect(read).not.toHaveProperty('change.input');
  });

  it('ignores a status the engine does not track', () => {
    expect(executionChangeOf(aChange({ status: 'PENDING_REDRIVE' }), workflowIds)).toEqual({ kind: 'ignored', reason: 'status PENDING_REDRIVE is not tracked' });
  });
});
