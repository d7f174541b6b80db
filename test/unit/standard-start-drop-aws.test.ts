/**
 * A Standard start on AWS that loses to a drop of its QUEUED record: StartExecution answers first, the record is written
 * after, so a stop (or `cancelOn`, or a removed rule) landing in between ends the record ABORTED while the execution
 * runs. The starter stops that execution with the drop's own error and cause, and answers that nothing started.
 * Records on dynalite; Step Functions mocked, each command checked as sent.
 */
import { SFNClient, StartExecutionCommand, StopExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { RecordedWorkflowStarter } from '../../lambdas/aws/recorded-workflow-starter.js';
import { SfnWorkflowControl } from '../../lambdas/aws/sfn-workflow-control.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { queuedStops } from '../../lambdas/core/app/queued-stops.js';
import { compileRules, FlowControl, parseRules, type Rule, type StoredExecution, type Trigger } from '../../lambdas/core/index.js';
import { DynamoDbFlowStateStore } from '../../lambdas/aws/dynamodb-flow-state-store.js';
import { useDynalite } from '../support/dynalite.js';
import { aTrigger } from '../contract/workflow-starter.contract.js';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:T_ship_order';
const arnOf = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:T_ship_order:${name}`;
const NOW = Date.parse(new Date().toISOString().slice(0, 10)) + 3_600_000;
const clock = { now: () => NOW };
const at = (ms: number) => new Date(NOW + ms).toISOString();
const STOP = { error: 'edwe.Stopped', cause: 'stopped by ops@example.com' };

const dynalite = useDynalite();
const sfn = mockClient(SFNClient);
afterAll(() => sfn.restore());

/** Step Functions as the starter meets it; `duringStart` runs inside StartExecution, after Step Functions took the start. */
function stepFunctions(duringStart: (name: string) => Promise<void> = async () => undefined): void {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommandInput) => {
    await duringStart(input.name as string);
    return { executionArn: arnOf(input.name as string), startDate: new Date(NOW) };
  });
  sfn.on(StopExecutionCommand).resolves({ stopDate: new Date(NOW) });
}

/** The production starter of flow control's drains (wiring/routing.ts, wiring/lifecycle.ts), with its stopper. */
async function aStarter(options: { onUnstopped?: (execution: StoredExecution, error: unknown) => void } = {}) {
  const client = dynalite.client();
  const tableName = await dynalite.stateTable();
  const executions = new DynamoDbExecutionStore({ client, tableName, retentionDays: 30, clock });
  const sfnClient = new SFNClient({ region: 'us-east-1' });
  const expressWorkflows = new Set<string>();
  const control: SfnWorkflowControl = new SfnWorkflowControl({
    client: sfnClient,
    stateMachineArns: () => MACHINE,
    expressWorkflows,
    starter: { start: (trigger) => starter.start(trigger) },
  });
  const starter: RecordedWorkflowStarter = new RecordedWorkflowStarter({
    starter: new SfnWorkflowStarter({ client: sfnClient, stateMachineArns: () => MACHINE }),
    executions,
    expressWorkflows,
    clock,
    lookFirst: true,
    backoff: { sleep: async () => undefined },
    stopper: control,
    ...options,
  });
  const store = new DynamoDbFlowStateStore({ client, tableName, retentionDays: 30, clock });
  return { starter, executions, store };
}

const stops = () => sfn.commandCalls(StopExecutionCommand).map((call) => call.args[0].input);
const startNames = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
const held = (): Trigger => aTrigger('ship_order', at(0), 'ship');

describe('a Standard start that loses to a drop of its QUEUED record (Step Functions mocked, records on dynalite)', () => {
  beforeEach(() => stepFunctions());

  it('sends exactly one StopExecution for that execution, with the drop’s error and cause; the record stays ABORTED and nothing counts as started', async () => {
    const { starter, executions } = await aStarter();
    const trigger = held();
    await executions.hold(trigger, at(0));
    const drop = queuedStops({ executions, clock });
    stepFunctions(async (name) => {
      expect(await drop.stop((await executions.get(name)) as StoredExecution, STOP)).toBe(true);
    });

    const answer = await starter.start(trigger);

    expect(answer).toEqual({ alreadyStarted: true });
    expect(startNames()).toEqual([trigger.executionName]);
    expect(stops()).toEqual([{ executionArn: arnOf(trigger.executionName), ...STOP }]);
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'ABORTED', stoppedAt: at(0), error: STOP });
  });

  it('takes a QUEUED record over that no drop ended, and stops nothing', async () => {
    const { starter, executions } = await aStarter();
    const trigger = held();
    await executions.hold(trigger, at(0));

    expect(await starter.start(trigger)).toEqual({ alreadyStarted: false });

    expect(stops()).toEqual([]);
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'RUNNING' });
  });

  it('keeps a record the lifecycle handler wrote first (RUNNING, or already ended as it ran) and stops nothing', async () => {
    const { starter, executions } = await aStarter();
    const first = held();
    const ended = held();
    stepFunctions(async (name) => {
      const trigger = name === first.executionName ? first : ended;
      await executions.record(trigger, at(0));
      if (trigger === ended) await executions.finish(name, { status: 'SUCCEEDED', stoppedAt: at(0) });
    });

    expect([await starter.start(first), await starter.start(ended)]).toEqual([{ alreadyStarted: false }, { alreadyStarted: false }]);

    expect(stops()).toEqual([]);
    expect(await executions.get(ended.executionName)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('tells of a stop refused past the retry budget and still answers that nothing started (a retried start would never stop it)', async () => {
    const unstopped: string[] = [];
    const { starter, executions } = await aStarter({ onUnstopped: (execution) => unstopped.push(execution.name) });
    const trigger = held();
    await executions.hold(trigger, at(0));
    stepFunctions(async (name) => {
      await executions.finishIfQueued(name, { status: 'ABORTED', stoppedAt: at(0), error: STOP });
    });
    sfn.on(StopExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));

    expect(await starter.start(trigger)).toEqual({ alreadyStarted: true });

    expect(stops()).toHaveLength(3);
    expect(unstopped).toEqual([trigger.executionName]);
  });

  it('in a drain: a cancelled waiting trigger that flow control starts in the freed slot is stopped, and the queue moves on', async () => {
    const { starter, executions, store } = await aStarter();
    const ruleSet = compileRules(
      parseRules('rules:\n  - id: ship\n    eventType: order.placed\n    workflow: ship_order\n    concurrency: { limit: 1, key: data.orderId }\n', 'flow.yaml'),
    );
    const flow = new FlowControl({ ruleSet, store, wakeUps: { schedule: async () => undefined }, starter, executions, clock });
    const rule = ruleSet.rules[0] as Rule;
    const one = held();
    // A second order.placed event of the same order: the same concurrency key, its own execution.
    const event = { ...one.input.event, id: 'evt-two' };
    const two: Trigger = { ...one, executionName: 'ship-evt-two', input: { ...one.input, event } };
    expect(await flow.offer(rule, one)).toEqual({ kind: 'started', alreadyStarted: false });
    expect(await flow.offer(rule, two)).toEqual({ kind: 'queued' });
    const drop = queuedStops({ executions, clock });
    stepFunctions(async (name) => {
      await drop.stop((await executions.get(name)) as StoredExecution, STOP);
    });

    await flow.release((await executions.get(one.executionName)) as StoredExecution);

    expect(startNames()).toEqual([two.executionName]);
    expect(stops()).toEqual([{ executionArn: arnOf(two.executionName), ...STOP }]);
    expect(await executions.get(two.executionName)).toMatchObject({ status: 'ABORTED', error: STOP });
    expect(await store.peek(flow.bucketOf(rule, two), 10)).toEqual([]);
  });
});
