/**
 * The AWS execution action API: `POST /executions/{name}/stop|redrive` through API Gateway's proxy event, core's
 * ExecutionActions on the DynamoDB execution store (dynalite) and SfnWorkflowControl (Step Functions mocked: the
 * exact commands are asserted). The caller's IAM principal is who acted.
 */
import { RedriveExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { createExecutionActionsHandler } from '../../lambdas/aws/http/execution-actions-http.js';
import { SfnWorkflowControl } from '../../lambdas/aws/sfn-workflow-control.js';
import { ExecutionActions, ExecutionLifecycle, executionName } from '../../lambdas/core/index.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';

const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:edwe-';
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const ROLE = 'arn:aws:sts::123456789012:assumed-role/ops/ada';
const dynalite = useDynalite();
const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

async function setUp() {
  const executions = new DynamoDbExecutionStore({ client: dynalite.client(), tableName: await dynalite.stateTable(), clock: { now: () => NOW } });
  const clock = { now: () => NOW };
  const events = new Map<string, unknown>();
  const lifecycle = new ExecutionLifecycle({ executions, events: { put: async (e) => (events.set(e.id, e), { duplicate: false }) as never }, clock });
  const client = new SFNClient({ region: 'eu-west-1' });
  const control = new SfnWorkflowControl({
    client,
    stateMachineArns: (id) => `${PREFIX}${id}`,
    expressWorkflows: new Set(),
    starter: { start: async () => ({ alreadyStarted: false }) },
    clock,
  });
  const handler = createExecutionActionsHandler({
    actions: new ExecutionActions({ executions, control, lifecycle, clock }),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const record = async (id: string, end?: 'FAILED') => {
    const event = { id, type: 'order.placed', source: 'shop', timestamp: iso(NOW - 60_000), data: {} };
    const name = executionName('fulfil-order', id);
    await executions.record(
      { workflowId: 'order_fulfilment', ruleId: 'fulfil-order', executionName: name, input: { event, rule: { id: 'fulfil-order', priority: 0 }, correlationId: id } },
      iso(NOW - 60_000),
    );
    if (end) await executions.finish(name, { status: end, stoppedAt: iso(NOW - 30_000), error: { error: 'Boom' } });
    return name;
  };
  const post = async (name: string, action: 'stop' | 'redrive') => {
    const request = apiGatewayEvent({ method: 'POST', resource: `/executions/{name}/${action}`, pathParameters: { name } });
    request.requestContext.identity.userArn = ROLE;
    const answer = await handler(request);
    return { status: answer.statusCode, body: JSON.parse(answer.body) };
  };
  return { post, record, events };
}

describe('POST /executions/{name}/stop|redrive on AWS', () => {
  it('stops a running execution with StopExecution and records it ABORTED by the caller', async () => {
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date(NOW) });
    const { post, record, events } = await setUp();
    const name = await record('evt-run');

    const answer = await post(name, 'stop');

    expect(answer).toMatchObject({ status: 200, body: { name, status: 'ABORTED', error: { error: 'edwe.Stopped', cause: `stopped by ${ROLE}` } } });
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: `arn:aws:states:eu-west-1:123456789012:execution:edwe-order_fulfilment:${name}`, error: 'edwe.Stopped', cause: `stopped by ${ROLE}` },
    ]);
    expect(events.has(`${name}.aborted`)).toBe(true);
  });

  it('redrives a failed execution with RedriveExecution: RUNNING, count 1, history by the caller; 409 for a running one, 404 for none', async () => {
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date(NOW) });
    const { post, record } = await setUp();
    const failed = await record('evt-failed', 'FAILED');
    const running = await record('evt-running');

    const answer = await post(failed, 'redrive');

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'RUNNING', redriveCount: 1, redrives: [{ by: ROLE, executionName: failed }], outcome: { kind: 'resumed', redriveCount: 1 } });
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(1);
    expect((await post(running, 'redrive')).status).toBe(409);
    expect((await post('no-such-execution', 'stop')).status).toBe(404);
  });
});
