/**
 * Flow control's AWS pieces for tests with a fake clock: its state and the execution records in a State table on
 * dynalite, and the production starter (the record first, then StartExecution) with StartExecution stubbed by the caller.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { DynamoDbFlowStateStore } from '../../lambdas/aws/dynamodb-flow-state-store.js';
import { RecordedWorkflowStarter } from '../../lambdas/aws/recorded-workflow-starter.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import type { Clock } from '../../lambdas/core/index.js';
import type { DynaliteTables } from './dynalite.js';

/** A new State table, the execution records and flow state in it, and the starter the router and wake-up consumer use. */
export async function awsFlowParts(dynalite: DynaliteTables, clock: Clock) {
  const client = dynalite.client();
  const tableName = await dynalite.stateTable();
  const executions = new DynamoDbExecutionStore({ client, tableName, retentionDays: 30, clock });
  const store = new DynamoDbFlowStateStore({ client, tableName, retentionDays: 30, clock });
  const starter = new RecordedWorkflowStarter({
    starter: new SfnWorkflowStarter({
      client: new SFNClient({ region: 'us-east-1' }),
      stateMachineArns: (id) => `arn:aws:states:us-east-1:123456789012:stateMachine:T_${id}`,
    }),
    executions,
    expressWorkflows: new Set(),
    clock,
    // As the router's and the wake-up consumer's (wiring/routing.ts): a record found counts as a start, unless it is QUEUED.
    lookFirst: true,
  });
  return { executions, store, starter };
}

/** StartExecution answering with the execution's ARN, calls forgotten: for a `beforeEach`. */
export function stubStartExecution(sfn: AwsClientStub<SFNClient>): void {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
}
