import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { ExecutionLifecycle, executionName, ValidationError, type EngineEvent, type Trigger, type WorkflowInput } from '../../lambdas/core/index.js';
import { createLifecycleHandler, type LifecycleHandler } from '../../lambdas/aws/eventbridge/lifecycle.js';
import { lifecycleDepsFromEnv } from '../../lambdas/aws/wiring/lifecycle.js';
import { useDynalite } from '../support/dynalite.js';
import { statusChangeEvent, type StatusChangeFields } from '../support/event-shapes.js';

const FULFILMENT_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:WorkflowsorderfulfilmentA1B2C3';
const STARTED = Date.parse('2026-11-20T10:00:00.000Z');
const STOPPED = STARTED + 90_000;
const silent = new Logger({ logLevel: 'SILENT' });
const iso = (ms: number) => new Date(ms).toISOString();

let counter = 0;
/** The workflow input the router gives an execution of `fulfil-order` for a fresh order event. */
function anInput(overrides: Partial<WorkflowInput> = {}, event: Partial<EngineEvent> = {}): WorkflowInput {
  return {
    event: { id: `evt-lc-${++counter}`, type: 'order.placed', source: 'shop', timestamp: iso(STARTED - 1000), data: { orderId: 'o-1' }, ...event },
    rule: { id: 'fulfil-order', priority: 10 },
    correlationId: 'o-1',
    ...overrides,
  };
}
const triggerOf = (input: WorkflowInput): Trigger => ({
  workflowId: 'order_fulfilment',
  ruleId: input.rule.id,
  executionName: executionName(input.rule.id, input.event.id),
  input,
});
const change = (trigger: Trigger, fields: Partial<StatusChangeFields> & Pick<StatusChangeFields, 'status'>) =>
  statusChangeEvent({ stateMachineArn: FULFILMENT_ARN, name: trigger.executionName, startDate: STARTED, input: trigger.input, ...fields });

describe('lifecycle handler (Events and State tables on dynalite)', () => {
  const dynalite = useDynalite();
  let events: DynamoDbEventStore;
  let executions: DynamoDbExecutionStore;
  let handle: LifecycleHandler;

  beforeEach(async () => {
    const client = dynalite.client();
    const eventsTable = await dynalite.eventsTable();
    const stateTable = await dynalite.stateTable();
    const clock = { now: () => STOPPED + 5_000 };
    events = new DynamoDbEventStore({ client, tableName: eventsTable, clock });
    executions = new DynamoDbExecutionStore({ client, tableName: stateTable, clock });
    handle = createLifecycleHandler({
      lifecycle: new ExecutionLifecycle({ executions, events, clock }),
      workflowIds: new Map([[FULFILMENT_ARN, 'order_fulfilment']]),
      logger: silent,
    });
  });

  /** A trigger whose execution the router has recorded. */
  async function aRecordedExecution(input = anInput()): Promise<Trigger> {
    const trigger = triggerOf(input);
    await executions.record(trigger, iso(STARTED));
    return trigger;
  }

  it('records a success and stores workflow.succeeded with the correlationId, so that rules can chain', async () => {
    const trigger = await aRecordedExecution();

    await handle(change(trigger, { status: 'SUCCEEDED', stopDate: STOPPED, output: { outcome: 'confirmed' } }));

    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: iso(STOPPED), output: { outcome: 'confirmed' } });
    expect(await events.get(`${trigger.executionName}.succeeded`)).toEqual({
      id: `${trigger.executionName}.succeeded`,
      type: 'workflow.succeeded',
      source: 'edwe.workflows',
      timestamp: iso(STOPPED),
      correlationId: 'o-1',
      data: {
        executionName: trigger.executionName,
        workflowId: 'order_fulfilment',
        ruleId: 'fulfil-order',
        eventId: trigger.input.event.id,
        status: 'SUCCEEDED',
        chainDepth: 1,
        output: { outcome: 'confirmed' },
      },
    });
  });

  it('stores workflow.started for a running execution, timed at its start', async () => {
    const trigger = await aRecordedExecution();

    const outcome = await handle(change(trigger, { status: 'RUNNING' }));

    expect(outcome).toMatchObject({ kind: 'recorded', phase: 'started' });
    expect(await events.get(`${trigger.executionName}.started`)).toMatchObject({
      type: 'workflow.started',
      timestamp: iso(STARTED),
      correlationId: 'o-1',
      data: { status: 'RUNNING' },
    });
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'RUNNING' });
  });

  it('records a failure with its error and cause, and a timeout as States.Timeout', async () => {
    const failed = await aRecordedExecution();
    const timedOut = await aRecordedExecution();

    await handle(change(failed, { status: 'FAILED', stopDate: STOPPED, error: 'InvalidTaskInputError', cause: 'data.items: required' }));
    await handle(change(timedOut, { status: 'TIMED_OUT', stopDate: STOPPED }));

    expect(await executions.get(failed.executionName)).toMatchObject({ status: 'FAILED', error: { error: 'InvalidTaskInputError', cause: 'data.items: required' } });
    expect(await events.get(`${failed.executionName}.failed`)).toMatchObject({
      type: 'workflow.failed',
      data: { status: 'FAILED', error: { error: 'InvalidTaskInputError', cause: 'data.items: required' } },
    });
    expect(await events.get(`${timedOut.executionName}.failed`)).toMatchObject({ data: { status: 'TIMED_OUT', error: { error: 'States.Timeout' } } });
  });

  it('stores a redelivered change once, and never moves an ended record back to RUNNING', async () => {
    const trigger = await aRecordedExecution();
    const succeeded = change(trigger, { status: 'SUCCEEDED', stopDate: STOPPED, output: { ok: true } });

    await handle(succeeded);
    const again = await handle(succeeded);
    const lateStart = await handle(change(trigger, { status: 'RUNNING' }));

    expect(again).toMatchObject({ kind: 'recorded', duplicate: true });
    expect(lateStart).toMatchObject({ kind: 'recorded', phase: 'started', duplicate: false });
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'SUCCEEDED', stoppedAt: iso(STOPPED) });
  });

  it('records an execution whose status change outran the router, taking the correlationId from its input', async () => {
    const trigger = triggerOf(anInput({ correlationId: 'o-early' }));

    await handle(change(trigger, { status: 'RUNNING' }));

    expect(await executions.get(trigger.executionName)).toMatchObject({
      name: trigger.executionName,
      workflowId: 'order_fulfilment',
      ruleId: 'fulfil-order',
      eventId: trigger.input.event.id,
      correlationId: 'o-early',
      status: 'RUNNING',
      startedAt: iso(STARTED),
    });
    expect(await events.get(`${trigger.executionName}.started`)).toMatchObject({ correlationId: 'o-early' });
  });

  it('emits no lifecycle event for a replayed execution, but still records its end', async () => {
    const trigger = await aRecordedExecution(anInput({ replay: { replayId: 'rp-1' } }));

    const outcome = await handle(change(trigger, { status: 'SUCCEEDED', stopDate: STOPPED, output: {} }));

    expect(outcome).toMatchObject({ kind: 'recorded', phase: 'succeeded' });
    expect(outcome).not.toHaveProperty('event');
    expect(await events.get(`${trigger.executionName}.succeeded`)).toBeUndefined();
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('stops a chain that has grown too deep', async () => {
    const trigger = await aRecordedExecution(anInput({}, { type: 'workflow.succeeded', source: 'edwe.workflows', data: { chainDepth: 10 } }));

    await handle(change(trigger, { status: 'SUCCEEDED', stopDate: STOPPED }));

    expect(await events.get(`${trigger.executionName}.succeeded`)).toBeUndefined();
  });

  it('ignores an execution it cannot account for: no record and its input left out', async () => {
    const trigger = triggerOf(anInput());

    expect(await handle(change(trigger, { status: 'RUNNING', input: null }))).toEqual({ kind: 'ignored', reason: 'no execution record and no readable workflow input' });
  });

  it('refuses an event that is not a status change', async () => {
    const bogus = { ...statusChangeEvent({ stateMachineArn: FULFILMENT_ARN, name: 'x', status: 'RUNNING', startDate: STARTED, input: {} }), detail: { status: 'RUNNING' } };

    await expect(handle(bogus)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('lifecycle configuration from the environment', () => {
  it('names every missing variable', () => {
    expect(() => lifecycleDepsFromEnv({})).toThrow('Invalid environment: EVENTS_TABLE is not set; STATE_TABLE is not set; STATE_MACHINE_ARNS is not set');
  });
});
