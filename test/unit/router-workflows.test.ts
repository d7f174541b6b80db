import { Logger } from '@aws-lambda-powertools/logger';
import {
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  TaskTimedOut,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { DynamoDbJoinStore } from '../../lambdas/aws/dynamodb-join-store.js';
import { DynamoDbWaiterStore } from '../../lambdas/aws/dynamodb-waiter-store.js';
import { RecordedWorkflowStarter } from '../../lambdas/aws/recorded-workflow-starter.js';
import { SfnTaskTokens } from '../../lambdas/aws/sfn-task-tokens.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { compileRules, CorrelationWaits, executionName, type EngineEvent, type Rule } from '../../lambdas/core/index.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { useDynalite } from '../support/dynalite.js';
import { sequenceNumberOf, streamEvent, streamRecord } from '../support/stream-records.js';

const ARNS = {
  order_fulfilment: 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderFulfilment',
  fraud_check: 'arn:aws:states:us-east-1:123456789012:stateMachine:FraudCheck',
  send_confirmation: 'arn:aws:states:us-east-1:123456789012:stateMachine:SendConfirmation',
};
const NOW = Date.parse('2026-11-20T11:00:00.000Z');
const silent = new Logger({ logLevel: 'SILENT' });

function aRule(overrides: Partial<Rule> & Pick<Rule, 'id' | 'workflow' | 'eventType'>): Rule {
  return { priority: 0, conditions: [], stop: false, enabled: true, ...overrides };
}

const RULES = [
  aRule({ id: 'fulfil-order', eventType: 'order.placed', workflow: 'order_fulfilment', priority: 10, correlateBy: 'orderId' }),
  aRule({ id: 'check-fraud', eventType: 'order.placed', workflow: 'fraud_check', correlateBy: 'orderId' }),
  aRule({
    id: 'ship-when-ready',
    eventType: ['payment.received', 'stock.reserved'],
    workflow: 'send_confirmation',
    join: { types: ['payment.received', 'stock.reserved'], withinMs: 15 * 60_000 },
  }),
];

let counter = 0;
function anEvent(type: string, data: Record<string, unknown>, overrides: Partial<EngineEvent> = {}): EngineEvent {
  return { id: `01JWF${String(++counter).padStart(6, '0')}`, type, source: 'shop', timestamp: '2026-11-20T10:00:00.000Z', data, ...overrides };
}
const recordOf = (event: EngineEvent) => streamRecord({ ...toItem(event, { receivedAtMs: NOW, retentionDays: 30 }) });

const throttling = () => new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });

/**
 * Step Functions as the router meets it: a Standard execution name starts once (then
 * `ExecutionAlreadyExists`); Express starts are never deduplicated; the next `throttled` calls are refused.
 */
function fakeStepFunctions(sfn: ReturnType<typeof mockClient>) {
  const state = { throttled: 0, runs: [] as StartExecutionCommandInput[] };
  const standardNames = new Set<string>();
  sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
    if (state.throttled > 0) {
      state.throttled--;
      throw throttling();
    }
    const express = input.stateMachineArn === ARNS.fraud_check;
    if (!express && standardNames.has(input.name as string)) throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
    standardNames.add(input.name as string);
    state.runs.push(input);
    return { executionArn: `${input.stateMachineArn}:${input.name}`, startDate: new Date(NOW) };
  });
  return state;
}

describe('router handler: exactly-once starts, joins and waiters (State table on dynalite, Step Functions mocked)', () => {
  const sfn = mockClient(SFNClient);
  const dynalite = useDynalite();
  let executions: DynamoDbExecutionStore;
  let waiters: DynamoDbWaiterStore;
  let route: ReturnType<typeof createRouterHandler>;
  let stepFunctions: ReturnType<typeof fakeStepFunctions>;

  afterAll(() => {
    sfn.restore();
  });

  beforeEach(async () => {
    sfn.reset();
    stepFunctions = fakeStepFunctions(sfn);
    const client = dynalite.client();
    const tableName = await dynalite.stateTable();
    const clock = { now: () => NOW };
    const sfnClient = new SFNClient({ region: 'us-east-1' });
    executions = new DynamoDbExecutionStore({ client, tableName, clock });
    waiters = new DynamoDbWaiterStore({ client, tableName });
    route = createRouterHandler({
      ruleSet: compileRules(RULES),
      starter: new RecordedWorkflowStarter({
        starter: new SfnWorkflowStarter({ client: sfnClient, stateMachineArns: ARNS }),
        executions,
        expressWorkflows: new Set(['fraud_check']),
        clock,
        backoff: { sleep: async () => undefined },
      }),
      joins: new DynamoDbJoinStore({ client, tableName, clock }),
      waits: new CorrelationWaits({ waiters, tokens: new SfnTaskTokens(sfnClient), clock }),
      logger: silent,
    });
  });

  const startCalls = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
  const namesRun = () => stepFunctions.runs.map((run) => run.name);

  it('starts each execution once when the same batch is delivered twice: Standard by name, Express by its record', async () => {
    const order = anEvent('order.placed', { orderId: 'o-1' });
    const batch = streamEvent(recordOf(order));
    const standard = executionName('fulfil-order', order.id);
    const express = executionName('check-fraud', order.id);

    expect(await route(batch)).toEqual({ batchItemFailures: [] });
    expect(await route(batch)).toEqual({ batchItemFailures: [] });

    expect(namesRun()).toEqual([standard, express]);
    // The Standard start is asked again and answered ExecutionAlreadyExists; the Express one is never asked again.
    expect(startCalls().map((input) => input?.name)).toEqual([standard, express, standard]);
    for (const name of [standard, express]) {
      expect(await executions.get(name)).toMatchObject({ name, eventId: order.id, correlationId: 'o-1', status: 'RUNNING' });
    }
  });

  it('retries a throttled start inside the batch: one start, no failure', async () => {
    const order = anEvent('order.placed', { orderId: 'o-2' });
    stepFunctions.throttled = 1;

    expect(await route(streamEvent(recordOf(order)))).toEqual({ batchItemFailures: [] });

    expect(namesRun()).toEqual([executionName('fulfil-order', order.id), executionName('check-fraud', order.id)]);
    expect(startCalls()).toHaveLength(3);
  });

  it('fails only the record whose start stays throttled past the budget, and starts it when the stream retries it', async () => {
    const first = anEvent('payment.received', { amount: 5 });
    const throttled = anEvent('order.placed', { orderId: 'o-3' });
    const last = anEvent('stock.reserved', {});
    const throttledRecord = recordOf(throttled);
    stepFunctions.throttled = 3;

    const result = await route(streamEvent(recordOf(first), throttledRecord, recordOf(last)));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumberOf(throttledRecord) }] });
    expect(namesRun()).toEqual([]);
    expect(await executions.get(executionName('fulfil-order', throttled.id))).toBeUndefined();

    expect(await route(streamEvent(throttledRecord))).toEqual({ batchItemFailures: [] });
    expect(namesRun()).toEqual([executionName('fulfil-order', throttled.id), executionName('check-fraud', throttled.id)]);
  });

  it('releases the claim of an Express start that failed, so that the retry starts it', async () => {
    const order = anEvent('order.placed', { orderId: 'o-4' });
    const express = executionName('check-fraud', order.id);
    sfn.on(StartExecutionCommand, { name: express }).rejects(throttling());

    expect((await route(streamEvent(recordOf(order)))).batchItemFailures).toHaveLength(1);
    expect(await executions.get(express)).toBeUndefined();

    sfn.reset();
    stepFunctions = fakeStepFunctions(sfn);
    expect(await route(streamEvent(recordOf(order)))).toEqual({ batchItemFailures: [] });
    expect(namesRun().filter((name) => name === express)).toEqual([express]);
  });

  it('completes a waiting workflow with the exact SendTaskSuccess, and forgets the waiter', async () => {
    await waiters.add({ token: 'token-wait-1', correlationId: 'o-5', eventType: 'payment.received', expiresAt: new Date(NOW + 60_000).toISOString() });
    const payment = anEvent('payment.received', { amount: 42 }, { correlationId: 'o-5' });

    expect(await route(streamEvent(recordOf(payment)))).toEqual({ batchItemFailures: [] });

    expect(sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input)).toEqual([{ taskToken: 'token-wait-1', output: JSON.stringify(payment) }]);
    expect(await waiters.matching(payment, NOW)).toEqual([]);
  });

  it('forgets a waiter whose task has timed out, without failing the record', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await waiters.add({ token: 'token-late', correlationId: 'o-6', eventType: 'payment.received', expiresAt: new Date(NOW + 60_000).toISOString() });
    const payment = anEvent('payment.received', { amount: 1 }, { correlationId: 'o-6' });

    expect(await route(streamEvent(recordOf(payment)))).toEqual({ batchItemFailures: [] });

    expect(await waiters.matching(payment, NOW)).toEqual([]);
  });

  it('wakes no waiter of another correlation', async () => {
    await waiters.add({ token: 'token-o7', correlationId: 'o-7', eventType: 'payment.received', expiresAt: new Date(NOW + 60_000).toISOString() });

    await route(streamEvent(recordOf(anEvent('payment.received', { amount: 1 }, { correlationId: 'o-other' }))));

    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('fires a multi-event rule once, when its join completes, with every joined event in its input', async () => {
    const payment = anEvent('payment.received', { amount: 9 }, { correlationId: 'o-8', timestamp: '2026-11-20T10:00:00.000Z' });
    const stock = anEvent('stock.reserved', {}, { correlationId: 'o-8', timestamp: '2026-11-20T10:05:00.000Z' });
    const name = executionName('ship-when-ready', 'join\u0000o-8');

    await route(streamEvent(recordOf(payment)));
    expect(namesRun()).toEqual([]);
    await route(streamEvent(recordOf(stock)));
    await route(streamEvent(recordOf(payment), recordOf(stock)));

    expect(stepFunctions.runs).toEqual([
      {
        stateMachineArn: ARNS.send_confirmation,
        name,
        input: JSON.stringify({ event: stock, events: [payment, stock], rule: { id: 'ship-when-ready', priority: 0 }, correlationId: 'o-8' }),
      },
    ]);
    expect(await executions.get(name)).toMatchObject({ ruleId: 'ship-when-ready', eventId: stock.id, correlationId: 'o-8' });
  });
});
