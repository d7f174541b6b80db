import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { executionKey } from '../../lambdas/aws/execution-item.js';
import { RecordedWorkflowStarter } from '../../lambdas/aws/recorded-workflow-starter.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { useDynalite } from '../support/dynalite.js';
import { aTrigger, CONTRACT_WORKFLOWS, describeWorkflowStarterContract } from './workflow-starter.contract.js';

const ARNS = {
  [CONTRACT_WORKFLOWS.STANDARD]: 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderFulfilment',
  [CONTRACT_WORKFLOWS.EXPRESS]: 'arn:aws:states:us-east-1:123456789012:stateMachine:FraudCheck',
};

const dynalite = useDynalite();
const sfn = mockClient(SFNClient);
afterAll(() => sfn.restore());

/**
 * Step Functions as a start meets it: a Standard execution name starts once, then answers
 * `ExecutionAlreadyExists`; Express starts are never deduplicated. Answers the executions begun.
 */
function fakeStepFunctions(now: () => number): StartExecutionCommandInput[] {
  const runs: StartExecutionCommandInput[] = [];
  const standardNames = new Set<string>();
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
    const express = input.stateMachineArn === ARNS[CONTRACT_WORKFLOWS.EXPRESS];
    if (!express && standardNames.has(input.name as string)) throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
    standardNames.add(input.name as string);
    runs.push(input);
    return { executionArn: `${input.stateMachineArn}:${input.name}`, startDate: new Date(now()) };
  });
  return runs;
}

/** The AWS starter: StartExecution (mocked) behind the execution records on a fresh State table, Express claims included. */
async function aRecordedStarter(now: () => number) {
  const tableName = await dynalite.stateTable();
  const clock = { now };
  const executions = new DynamoDbExecutionStore({ client: dynalite.client(), tableName, clock });
  const starter = new RecordedWorkflowStarter({
    starter: new SfnWorkflowStarter({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArns: ARNS }),
    executions,
    expressWorkflows: new Set([CONTRACT_WORKFLOWS.EXPRESS]),
    clock,
    backoff: { sleep: async () => undefined },
  });
  return { starter, executions, tableName };
}

describeWorkflowStarterContract('RecordedWorkflowStarter (Step Functions mocked, records on dynalite)', async ({ now }) => {
  const runs = fakeStepFunctions(now);
  const { starter, executions } = await aRecordedStarter(now);
  return { starter, executions, running: () => runs.map((run) => run.name as string), close: async () => undefined };
});

describe('RecordedWorkflowStarter on the Step Functions API (records on dynalite)', () => {
  const NOW = Date.now();
  const startCalls = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);

  it('sends StartExecution with the state machine, the execution name and the input as JSON; a Standard restart asks again, and ExecutionAlreadyExists means started', async () => {
    fakeStepFunctions(() => NOW);
    const { starter } = await aRecordedStarter(() => NOW);
    const trigger = aTrigger(CONTRACT_WORKFLOWS.STANDARD, new Date(NOW).toISOString());
    const expected = { stateMachineArn: ARNS[CONTRACT_WORKFLOWS.STANDARD], name: trigger.executionName, input: JSON.stringify(trigger.input) };

    const answers = [await starter.start(trigger), await starter.start(trigger)];

    expect(startCalls()).toEqual([expected, expected]);
    expect(answers).toEqual([{ alreadyStarted: false }, { alreadyStarted: true }]);
  });

  it('sends one StartExecution for an Express trigger however often it is started, and leaves its record without a claim', async () => {
    fakeStepFunctions(() => NOW);
    const { starter, tableName } = await aRecordedStarter(() => NOW);
    const trigger = aTrigger(CONTRACT_WORKFLOWS.EXPRESS, new Date(NOW).toISOString());

    await starter.start(trigger);
    await starter.start(trigger);

    expect(startCalls()).toEqual([{ stateMachineArn: ARNS[CONTRACT_WORKFLOWS.EXPRESS], name: trigger.executionName, input: JSON.stringify(trigger.input) }]);
    const { Item } = await dynalite.client().send(new GetItemCommand({ TableName: tableName, Key: marshall(executionKey(trigger.executionName)), ConsistentRead: true }));
    expect(unmarshall(Item ?? {})).not.toHaveProperty('claimId');
  });
});
