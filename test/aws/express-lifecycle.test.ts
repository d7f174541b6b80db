import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsFetch } from '../../cli/aws-fetch.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { createLifecycleHandler } from '../../lambdas/aws/eventbridge/lifecycle.js';
import { lifecycleDepsFromEnv } from '../../lambdas/aws/wiring/lifecycle.js';
import { executionName, type Trigger } from '../../lambdas/core/index.js';
import { EXPRESS_LIFECYCLE_FILTER_PATTERN } from '../../lambdas/layout/express-logs.js';
import { expressLogRecord } from '../support/log-subscription.js';
import { awsClients, type AwsClients, REGION } from './support/aws-clients.js';
import { anId, storedEvent } from './support/fixtures.js';
import { createKinesisStream } from './support/messaging-resources.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

/**
 * An Express execution's log records, written to a log group in moto, delivered by moto's CloudWatch
 * Logs subscription and read by the lifecycle function's production wiring against the tables in moto.
 * moto hands a subscription to Lambda only by running the function in Docker, which this tier does
 * not; its Kinesis destination carries the very payload it would give Lambda (base64 of the gzipped
 * delivery), so the stream stands in for the function here. moto applies no filter pattern: the task
 * record below reaches the function too, which skips it, as it would any record a pattern let by.
 */
describe('Express lifecycle on moto: log group → subscription → lifecycle function → State and Events tables', () => {
  const endpoint = inject('motoEndpoint');
  const signed = createAwsFetch({ service: 'logs', region: REGION });
  const logs = async (action: string, body: Record<string, unknown>) => {
    const response = await signed(`${endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${action}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`logs ${action}: ${response.status} ${await response.text()}`);
  };
  let aws: AwsClients;
  let engine: EngineResources;
  let stream: { streamName: string; streamArn: string };

  beforeAll(async () => {
    aws = awsClients();
    engine = await createEngineResources(aws);
    stream = await createKinesisStream(aws, 'edwe-express-log-deliveries');
  });
  afterAll(() => aws.destroy());

  it('ends the execution record and stores workflow.started and workflow.succeeded from moto’s delivery', async () => {
    const logGroupName = '/aws/vendedlogs/states/EdweStack/send_confirmation';
    await logs('CreateLogGroup', { logGroupName });
    await logs('CreateLogStream', { logGroupName, logStreamName: 'states/send_confirmation/1' });
    await logs('PutSubscriptionFilter', {
      logGroupName,
      filterName: 'edwe-express-lifecycle',
      filterPattern: EXPRESS_LIFECYCLE_FILTER_PATTERN,
      destinationArn: stream.streamArn,
      roleArn: 'arn:aws:iam::123456789012:role/CWLtoKinesis',
    });
    // The router's claim of an Express start: the record first, then StartExecution.
    const input = {
      event: { id: anId('express'), type: 'order.confirmed', source: 'shop', timestamp: new Date(Date.now() - 2_000).toISOString(), data: { orderId: 'o-x' } },
      rule: { id: 'send-order-confirmation', priority: 10 },
      correlationId: 'o-x',
    };
    const trigger: Trigger = { workflowId: 'send_confirmation', ruleId: input.rule.id, executionName: executionName(input.rule.id, input.event.id), input };
    const clock = { now: () => Date.now() };
    await new DynamoDbExecutionStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName, clock }).record(trigger, new Date(Date.now() - 1_000).toISOString());
    const machine = engine.stateMachines.get('send_confirmation') as string;
    const at = Date.now();
    const record = (type: Parameters<typeof expressLogRecord>[0]['type'], offset: number, details: Record<string, unknown>) => ({
      timestamp: at + offset,
      message: expressLogRecord({ stateMachineArn: machine, executionName: trigger.executionName, type, at: at + offset, details, id: offset + 1 }),
    });

    await logs('PutLogEvents', {
      logGroupName,
      logStreamName: 'states/send_confirmation/1',
      logEvents: [
        record('ExecutionStarted', 0, { input: JSON.stringify(input), inputDetails: { truncated: false } }),
        record('TaskStateEntered', 1, { name: 'SendEmail' }),
        record('ExecutionSucceeded', 2, { output: '{"sent":true}', outputDetails: { truncated: false } }),
      ],
    });

    const { Shards = [] } = await aws.kinesis.send(new ListShardsCommand({ StreamName: stream.streamName }));
    const deliveries: string[] = [];
    for (const shard of Shards) {
      const { ShardIterator } = await aws.kinesis.send(
        new GetShardIteratorCommand({ StreamName: stream.streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const { Records = [] } = await aws.kinesis.send(new GetRecordsCommand({ ShardIterator }));
      deliveries.push(...Records.map((r) => Buffer.from(r.Data as Uint8Array).toString('base64')));
    }
    const handle = createLifecycleHandler(lifecycleDepsFromEnv(engine.env.router));
    const outcomes = (await Promise.all(deliveries.map((data) => handle({ awslogs: { data } })))).flat();

    expect(deliveries).toHaveLength(1);
    expect(outcomes.map((o) => (o.kind === 'recorded' ? o.phase : o.kind))).toEqual(['started', 'ignored', 'succeeded']);
    expect(await new DynamoDbExecutionStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName, clock }).get(trigger.executionName)).toMatchObject({
      status: 'SUCCEEDED',
      output: { sent: true },
    });
    expect(await storedEvent(aws.dynamodb, engine.eventsTable.tableName, `${trigger.executionName}.succeeded`)).toMatchObject({
      type: 'workflow.succeeded',
      correlationId: 'o-x',
      data: { workflowId: 'send_confirmation', status: 'SUCCEEDED', output: { sent: true } },
    });
    expect(await storedEvent(aws.dynamodb, engine.eventsTable.tableName, `${trigger.executionName}.started`)).toMatchObject({ type: 'workflow.started' });
  });
});
