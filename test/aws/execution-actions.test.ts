/**
 * `POST /executions/{name}/stop` on moto: the execution actions function's production wiring
 * (`executionActionsDepsFromEnv`, the environment lib/execution-actions-api.ts sets) stops a Standard execution
 * that runs in moto's Step Functions, ends its record in the State table ABORTED and stores `workflow.aborted` in
 * the Events table. moto serves StopExecution (not RedriveExecution: redrive is asserted against exact commands in
 * test/unit/bulk-actions-aws.test.ts).
 */
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { createExecutionActionsHandler } from '../../lambdas/aws/http/execution-actions-http.js';
import { executionActionsDepsFromEnv } from '../../lambdas/aws/wiring/execution-actions.js';
import { executionName } from '../../lambdas/core/index.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { anId } from './support/fixtures.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

describe('stop on moto: API Gateway event → execution actions function → StopExecution, State and Events tables', () => {
  let aws: AwsClients;
  let engine: EngineResources;

  beforeAll(async () => {
    aws = awsClients();
    engine = await createEngineResources(aws);
  });
  afterAll(() => aws.destroy());

  it('stops a running Standard execution in Step Functions and records it ABORTED by the caller, with workflow.aborted', async () => {
    const eventId = anId('stop');
    const name = executionName('fulfil-order', eventId);
    const input = {
      event: { id: eventId, type: 'order.placed', source: 'shop', timestamp: new Date(Date.now() - 2_000).toISOString(), data: { orderId: 'o-stop' } },
      rule: { id: 'fulfil-order', priority: 0 },
      correlationId: 'o-stop',
    };
    const machine = engine.stateMachines.get('order_fulfilment') as string;
    const { executionArn } = await aws.sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name, input: JSON.stringify(input) }));
    const executions = new DynamoDbExecutionStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName });
    await executions.record({ workflowId: 'order_fulfilment', ruleId: 'fulfil-order', executionName: name, input }, new Date().toISOString());
    const env = { ...engine.env.query, BULK_DRIVER_ARN: engine.replayDriverArn };
    const handler = createExecutionActionsHandler(executionActionsDepsFromEnv(env));
    const request = apiGatewayEvent({ method: 'POST', resource: '/executions/{name}/stop', pathParameters: { name } });
    request.requestContext.identity.userArn = 'arn:aws:sts::123456789012:assumed-role/Operator/ada';

    const answer = await handler(request);

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({
      name,
      status: 'ABORTED',
      error: { error: 'edwe.Stopped', cause: 'stopped by arn:aws:sts::123456789012:assumed-role/Operator/ada' },
    });
    expect((await aws.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
    expect((await executions.get(name))?.status).toBe('ABORTED');
    const events = new DynamoDbEventStore({ client: aws.dynamodb, tableName: engine.eventsTable.tableName });
    expect(await events.get(`${name}.aborted`)).toMatchObject({ type: 'workflow.aborted', data: { executionName: name } });
  });
});
