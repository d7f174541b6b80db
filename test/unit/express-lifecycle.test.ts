import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { createLifecycleHandler, type LifecycleHandler } from '../../lambdas/aws/eventbridge/lifecycle.js';
import { decodeLogsSubscription, expressExecutionOf, statusChangeOfLogMessage } from '../../lambdas/aws/express-log-changes.js';
import { executionChangeOf } from '../../lambdas/aws/sfn-status-change.js';
import { ExecutionLifecycle, executionName, ValidationError, type Trigger, type WorkflowInput } from '../../lambdas/core/index.js';
import { EXPRESS_LIFECYCLE_FILTER_PATTERN } from '../../lambdas/layout/express-logs.js';
import { useDynalite } from '../support/dynalite.js';
import { statusChangeEvent } from '../support/event-shapes.js';
import { expressLogRecord, logSubscriptionEvent, type ExpressLogRecordFields } from '../support/log-subscription.js';

const CHECK_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:WorkflowsquickcheckE1F2A3';
const LOG_GROUP = '/aws/vendedlogs/states/EdweStack/quick_check';
const STARTED = Date.parse('2026-11-20T10:00:00.000Z');
const STOPPED = STARTED + 1_500;
const silent = new Logger({ logLevel: 'SILENT' });
const iso = (ms: number) => new Date(ms).toISOString();

let counter = 0;
function aTrigger(): Trigger {
  const input: WorkflowInput = {
    event: { id: `evt-x-${++counter}`, type: 'payment.received', source: 'billing', timestamp: iso(STARTED - 500), data: { amount: 12 } },
    rule: { id: 'check-payment', priority: 10 },
    correlationId: `pay-${counter}`,
  };
  return { workflowId: 'quick_check', ruleId: 'check-payment', executionName: executionName('check-payment', input.event.id), input };
}
const record = (trigger: Trigger, type: ExpressLogRecordFields['type'], details: Record<string, unknown> = {}, at = STOPPED) =>
  expressLogRecord({ stateMachineArn: CHECK_ARN, executionName: trigger.executionName, type, at, details });
const delivery = (...messages: string[]) => logSubscriptionEvent(LOG_GROUP, messages);

describe('Express lifecycle: log subscription deliveries through the lifecycle handler (tables on dynalite)', () => {
  const dynalite = useDynalite();
  let events: DynamoDbEventStore;
  let executions: DynamoDbExecutionStore;
  let handle: LifecycleHandler;

  beforeEach(async () => {
    const client = dynalite.client();
    const clock = { now: () => STOPPED + 5_000 };
    events = new DynamoDbEventStore({ client, tableName: await dynalite.eventsTable(), clock });
    executions = new DynamoDbExecutionStore({ client, tableName: await dynalite.stateTable(), clock });
    handle = createLifecycleHandler({
      lifecycle: new ExecutionLifecycle({ executions, events, clock }),
      workflowIds: new Map([[CHECK_ARN, 'quick_check']]),
      logger: silent,
    });
  });

  /** An Express execution the router claimed (its record is written before StartExecution). */
  async function aClaimedExecution(): Promise<Trigger> {
    const trigger = aTrigger();
    await executions.record(trigger, iso(STARTED));
    return trigger;
  }

  it('ends the record and stores workflow.started and workflow.succeeded from one delivery', async () => {
    const trigger = await aClaimedExecution();
    const started = record(trigger, 'ExecutionStarted', { input: JSON.stringify(trigger.input), inputDetails: { truncated: false } }, STARTED);
    const task = record(trigger, 'TaskStateEntered', { name: 'Check' }, STARTED + 10);
    const succeeded = record(trigger, 'ExecutionSucceeded', { output: '{"approved":true}', outputDetails: { truncated: false } });

    const outcomes = await handle(delivery(started, task, succeeded));

    expect(outcomes.map((o) => (o.kind === 'recorded' ? o.phase : o.kind))).toEqual(['started', 'ignored', 'succeeded']);
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: iso(STOPPED), output: { approved: true } });
    expect(await events.get(`${trigger.executionName}.started`)).toMatchObject({
      type: 'workflow.started',
      timestamp: iso(STARTED),
      correlationId: trigger.input.correlationId,
    });
    expect(await events.get(`${trigger.executionName}.succeeded`)).toMatchObject({
      type: 'workflow.succeeded',
      source: 'edwe.workflows',
      timestamp: iso(STOPPED),
      correlationId: trigger.input.correlationId,
      data: { workflowId: 'quick_check', ruleId: 'check-payment', status: 'SUCCEEDED', output: { approved: true } },
    });
  });

  it('records a failure with its error and cause, a timeout as States.Timeout and an abort as States.Aborted', async () => {
    const failed = await aClaimedExecution();
    const timedOut = await aClaimedExecution();
    const aborted = await aClaimedExecution();

    await handle(
      delivery(
        record(failed, 'ExecutionFailed', { error: 'PaymentDeclined', cause: 'card expired' }),
        record(timedOut, 'ExecutionTimedOut', {}),
        record(aborted, 'ExecutionAborted', {}),
      ),
    );

    expect(await executions.get(failed.executionName)).toMatchObject({ status: 'FAILED', error: { error: 'PaymentDeclined', cause: 'card expired' } });
    expect(await events.get(`${failed.executionName}.failed`)).toMatchObject({ type: 'workflow.failed', data: { status: 'FAILED' } });
    expect(await executions.get(timedOut.executionName)).toMatchObject({ status: 'TIMED_OUT', error: { error: 'States.Timeout' } });
    expect(await executions.get(aborted.executionName)).toMatchObject({ status: 'ABORTED', error: { error: 'States.Aborted' } });
  });

  it('stores a redelivered log record once and keeps an ended record ended when its start arrives late', async () => {
    const trigger = await aClaimedExecution();
    const succeeded = delivery(record(trigger, 'ExecutionSucceeded', { output: '{}' }));

    await handle(succeeded);
    const [again] = await handle(succeeded);
    await handle(delivery(record(trigger, 'ExecutionStarted', { input: JSON.stringify(trigger.input) }, STARTED)));

    expect(again).toMatchObject({ kind: 'recorded', duplicate: true });
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: iso(STOPPED) });
  });

  it('records nothing for the control message CloudWatch Logs sends to check a new subscription', async () => {
    expect(await handle(logSubscriptionEvent(LOG_GROUP, ['CWL CONTROL MESSAGE: Checking health of destination Lambda function.'], 'CONTROL_MESSAGE'))).toEqual([]);
  });

  it('refuses a delivery that is not gzipped JSON, naming awslogs.data (the delivery is then retried and dead-lettered)', async () => {
    await expect(handle({ awslogs: { data: Buffer.from('{"plain":"json"}').toString('base64') } })).rejects.toThrow(/awslogs\.data is not base64 of gzipped JSON/);
    await expect(handle({ awslogs: { data: Buffer.from('{"plain":"json"}').toString('base64') } })).rejects.toBeInstanceOf(ValidationError);
  });

  it('still takes Standard status changes from the default bus', async () => {
    const trigger = await aClaimedExecution();

    const outcome = await handle(
      statusChangeEvent({
        stateMachineArn: CHECK_ARN,
        name: trigger.executionName,
        status: 'SUCCEEDED',
        startDate: STARTED,
        stopDate: STOPPED,
        input: trigger.input,
        output: {},
      }),
    );

    expect(outcome).toMatchObject({ kind: 'recorded', phase: 'succeeded' });
  });
});

describe('reading Express log records', () => {
  const trigger = aTrigger();

  it('gives the same ExecutionChange as the status change event of the same end', () => {
    const fromLog = statusChangeOfLogMessage(record(trigger, 'ExecutionFailed', { error: 'PaymentDeclined', cause: 'card expired' }));
    const fromBus = statusChangeEvent({
      stateMachineArn: CHECK_ARN,
      name: trigger.executionName,
      status: 'FAILED',
      startDate: STOPPED,
      stopDate: STOPPED,
      input: null,
      error: 'PaymentDeclined',
      cause: 'card expired',
    });
    const workflowIds = new Map([[CHECK_ARN, 'quick_check']]);

    expect(fromLog.kind).toBe('change');
    if (fromLog.kind !== 'change') return;
    expect(executionChangeOf(fromLog.change, workflowIds)).toEqual(executionChangeOf(fromBus.detail as never, workflowIds));
  });

  it('finds the state machine of an Express execution ARN in any partition', () => {
    expect(expressExecutionOf('arn:aws-cn:states:cn-north-1:123456789012:express:Machine:exec-1:0a1b')).toEqual({
      name: 'exec-1',
      stateMachineArn: 'arn:aws-cn:states:cn-north-1:123456789012:stateMachine:Machine',
    });
    expect(expressExecutionOf('arn:aws:states:eu-west-1:123456789012:execution:Machine:exec-1')).toBeUndefined();
  });

  it('skips what is not an execution status record, saying why', () => {
    expect(statusChangeOfLogMessage('not json')).toEqual({ kind: 'skipped', reason: 'the log message is not JSON' });
    expect(statusChangeOfLogMessage(record(trigger, 'LambdaFunctionSucceeded'))).toEqual({
      kind: 'skipped',
      reason: 'log record type LambdaFunctionSucceeded is not a status change',
    });
    expect(statusChangeOfLogMessage('{"type":"ExecutionSucceeded"}')).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/execution_arn/) });
  });

  it('decodes a real gzipped delivery and names what is missing from a malformed one', () => {
    expect(decodeLogsSubscription(delivery(record(trigger, 'ExecutionAborted')))).toMatchObject({
      messageType: 'DATA_MESSAGE',
      logGroup: LOG_GROUP,
      logEvents: [{ message: expect.any(String) }],
    });
    const noEvents = { awslogs: { data: gzipSync('{"messageType":"DATA_MESSAGE","logGroup":"g"}').toString('base64') } };
    expect(() => decodeLogsSubscription(noEvents)).toThrow(/awslogs\.data\.logEvents/);
  });

  it('subscribes to the record types of a start and of every end, by the record’s type only', () => {
    expect(EXPRESS_LIFECYCLE_FILTER_PATTERN).toBe(
      '{ $.type = "ExecutionStarted" || $.type = "ExecutionSucceeded" || $.type = "ExecutionFailed" || $.type = "ExecutionTimedOut" || $.type = "ExecutionAborted" }',
    );
  });
});
