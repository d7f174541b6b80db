import { QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { routingDepsFromEnv } from '../../lambdas/aws/wiring/routing.js';
import { handler as waitForEvent } from '../../lambdas/tasks/wait-for-event.js';
import { postEvent } from '../support/api-gateway.js';
import { ACCOUNT, awsClients, type AwsClients } from './support/aws-clients.js';
import { capturedLogs } from './support/captured-logs.js';
import { anId } from './support/fixtures.js';
import { setStepFunctionsExecution } from './support/moto.js';
import { receiveAllJson } from './support/queues.js';
import { createQueue, type Queue } from './support/messaging-resources.js';
import { createEngineResources, ROUTER_STREAM_FILTER, type EngineResources } from './support/resources.js';
import { createStreamPoller, type StreamPoller } from './support/stream-poller.js';

/** Polls `read` until `done` holds (moto runs executions on its own threads), or fails after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * order_fulfilment's own WaitForPayment state, its Lambda invoke swapped for an SQS send: moto cannot
 * run the wait-for-event Lambda, so a queue receives the Payload that Lambda would, with the real task token.
 */
function waitForPaymentStandIn(engine: EngineResources, tokens: Queue, timeoutSeconds?: number): string {
  const asl = JSON.parse(engine.project.workflows.get('order_fulfilment')?.definition as string);
  const { Parameters, TimeoutSeconds, ResultPath } = asl.States.WaitForPayment;
  const state = {
    Type: 'Task',
    Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
    Parameters: { QueueUrl: tokens.url, MessageBody: Parameters.Payload },
    TimeoutSeconds: timeoutSeconds ?? TimeoutSeconds,
    ResultPath,
    End: true,
  };
  return JSON.stringify({ StartAt: 'WaitForPayment', States: { WaitForPayment: state } });
}

describe('wait-for-event on AWS: a waiting workflow is completed by the router with SendTaskSuccess on its real task token', () => {
  const endpoint = inject('motoEndpoint');
  let aws: AwsClients;
  let engine: EngineResources;
  let tokens: Queue;
  let ingest: IngestHttpHandler;
  let poller: StreamPoller;
  const logs = capturedLogs();
  let machines = 0;
  let lastMachine: string | undefined;

  /** Starts a workflow waiting for `payment.received` of `orderId`; answers its execution and the task's Payload. */
  const aWaitingWorkflow = async (orderId: string, timeoutSeconds?: number): Promise<{ executionArn: string; payload: Record<string, unknown> }> => {
    // In execution mode moto fails every StartExecution while a machine with an execution exists
    // (getmoto/moto#10077): each wait gets a machine of its own, and the last one (its execution ended) goes first.
    if (lastMachine !== undefined) await aws.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: lastMachine }));
    const { stateMachineArn } = await aws.sfn.send(
      new CreateStateMachineCommand({
        name: `order-waits-${++machines}`,
        definition: waitForPaymentStandIn(engine, tokens, timeoutSeconds),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/edwe-workflow`,
      }),
    );
    lastMachine = stateMachineArn;
    const { executionArn } = await aws.sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: `order-${orderId}`, input: JSON.stringify({ correlationId: orderId, event: { data: { orderId } } }) }),
    );
    const [payload] = await eventually(
      () => receiveAllJson(aws.sqs, tokens.url),
      (messages) => messages.length > 0,
    );
    return { executionArn: executionArn as string, payload: payload as Record<string, unknown> };
  };

  const executionOf = (executionArn: string, done: (e: DescribeExecutionCommandOutput) => boolean) =>
    eventually(() => aws.sfn.send(new DescribeExecutionCommand({ executionArn })), done);

  const waitersOf = async (correlationId: string) =>
    (
      await aws.dynamodb.send(
        new QueryCommand({
          TableName: engine.stateTable.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey },
          ExpressionAttributeValues: marshall({ ':pk': `${STATE_TABLE.prefix.waiter}${correlationId}` }),
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  const aPayment = (orderId: string) => ({
    id: anId('payment'),
    type: 'payment.received',
    source: 'payments',
    correlationId: orderId,
    timestamp: new Date().toISOString(),
    data: { orderId, amount: 30 },
  });

  beforeAll(async () => {
    aws = awsClients();
    // Execution mode is how moto hands out real task tokens; its state is separate, so switch before creating anything.
    await setStepFunctionsExecution(endpoint, true);
    engine = await createEngineResources(aws);
    tokens = await createQueue(aws, 'edwe-wait-for-event-payloads');
    // The task function's environment, as the Workflows construct sets it: the task reads it on first use.
    Object.assign(process.env, engine.env.waitForEventTask);
    ingest = createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp));
    const router = createRouterHandler({ ...routingDepsFromEnv(engine.env.router, JSON.stringify(engine.project.rules)), logger: logs });
    poller = createStreamPoller({ client: aws.streams, streamArn: engine.eventsTable.streamArn, handler: router, filter: ROUTER_STREAM_FILTER });
  });

  afterAll(async () => {
    await setStepFunctionsExecution(endpoint, false);
    aws?.destroy();
  });

  it('registers the waiter with the task token the workflow gives the task, and the event routed later completes it', async () => {
    const { executionArn, payload } = await aWaitingWorkflow('o-later');

    expect(await waitForEvent(payload)).toEqual({ waiting: true });
    expect(await waitersOf('o-later')).toHaveLength(1);
    const payment = aPayment('o-later');
    await ingest(postEvent(payment));
    const drained = await poller.drain();

    expect(drained.flatMap((i) => i.failures)).toEqual([]);
    const done = await executionOf(executionArn, (e) => e.status !== 'RUNNING');
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string).payment).toEqual(payment);
    expect(await waitersOf('o-later')).toEqual([]);
  });

  it('completes the wait at once when the event was stored before the workflow began waiting (the look-back)', async () => {
    const payment = aPayment('o-earlier');
    await ingest(postEvent(payment));
    await poller.drain();
    const { executionArn, payload } = await aWaitingWorkflow('o-earlier');

    await waitForEvent(payload);

    const done = await executionOf(executionArn, (e) => e.status !== 'RUNNING');
    expect([done.status, JSON.parse(done.output as string).payment]).toEqual(['SUCCEEDED', payment]);
  });

  it('drops a waiter whose wait has ended (Step Functions refuses the token) without failing the record', async () => {
    // The state times out after 1 s while the waiter, registered for the Payload's 900 s, is still live.
    const { executionArn, payload } = await aWaitingWorkflow('o-ended', 1);
    await waitForEvent(payload);
    expect((await executionOf(executionArn, (e) => e.status !== 'RUNNING')).status).toBe('FAILED');

    await ingest(postEvent(aPayment('o-ended')));
    const drained = await poller.drain();

    expect(drained.flatMap((i) => i.failures)).toEqual([]);
    expect(logs.withMessage('waiter dropped: its task is gone').map((e) => e.correlationId)).toEqual(['o-ended']);
    expect(await waitersOf('o-ended')).toEqual([]);
  });
});
