/**
 * A Standard start that loses to a drop of its QUEUED record, on moto: the drop (a stop of the held execution, as
 * `POST /executions/{name}/stop` makes it) lands right after Step Functions took the StartExecution and before the
 * record is written. The production starter and control stop that execution on Step Functions, and its record stays
 * as the drop ended it.
 */
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { RecordedWorkflowStarter } from '../../lambdas/aws/recorded-workflow-starter.js';
import { executionArnOf, SfnWorkflowControl } from '../../lambdas/aws/sfn-workflow-control.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { queuedStops } from '../../lambdas/core/app/queued-stops.js';
import type { StoredExecution } from '../../lambdas/core/index.js';
import { aTrigger } from '../contract/workflow-starter.contract.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

const WORKFLOW = 'onboarding_workflow';
const STOP = { error: 'edwe.Stopped', cause: 'stopped by ops@example.com while it waited' };

describe('a Standard start that loses to a drop, on moto: StartExecution → drop → StopExecution', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  // The starter's own Step Functions client, with the drop in its middleware.
  let starting: AwsClients;

  beforeAll(async () => {
    aws = awsClients();
    starting = awsClients();
    engine = await createEngineResources(aws);
  });
  afterAll(() => {
    aws.destroy();
    starting.destroy();
  });

  it('stops the execution Step Functions started, and the record stays ABORTED with the drop’s error', async () => {
    const clock = { now: () => Date.now() };
    const executions = new DynamoDbExecutionStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName, clock });
    const drop = queuedStops({ executions, clock });
    // The drop, right after Step Functions answered the StartExecution and before the starter writes the record.
    const { sfn } = starting;
    sfn.middlewareStack.add(
      (next, context) => async (args) => {
        const output = await next(args);
        if (context.commandName === 'StartExecutionCommand') {
          const name = (args.input as { name: string }).name;
          expect(await drop.stop((await executions.get(name)) as StoredExecution, STOP)).toBe(true);
        }
        return output;
      },
      { step: 'initialize', name: 'dropWhileStarting' },
    );
    const machines = engine.stateMachines;
    const expressWorkflows = new Set<string>();
    const control: SfnWorkflowControl = new SfnWorkflowControl({
      client: sfn,
      stateMachineArns: (id) => machines.get(id),
      expressWorkflows,
      starter: { start: (trigger) => starter.start(trigger) },
    });
    const starter: RecordedWorkflowStarter = new RecordedWorkflowStarter({
      starter: new SfnWorkflowStarter({ client: sfn, stateMachineArns: machines }),
      executions,
      expressWorkflows,
      clock,
      lookFirst: true,
      stopper: control,
    });
    const trigger = aTrigger(WORKFLOW, new Date().toISOString(), 'onboard');
    await executions.hold(trigger, new Date().toISOString());

    expect(await starter.start(trigger)).toEqual({ alreadyStarted: true });

    const executionArn = executionArnOf(machines.get(WORKFLOW) as string, trigger.executionName);
    // moto keeps no stop's error and cause: the exact StopExecution is asserted in test/unit/standard-start-drop-aws.test.ts.
    expect((await aws.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'ABORTED', error: STOP });
  });
});
