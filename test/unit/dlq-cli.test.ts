import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { recordEnvelope } from '../../lambdas/aws/record-envelope.js';
import { normaliseEvent } from '../../lambdas/core/index.js';
import { dlqClients, dlqCommand, type DlqClients } from '../../cli/dlq-command.js';
import { memoryIo } from '../../cli/io.js';
import {
  BUS_INGEST_ARN,
  failedBusInvocation,
  kinesisBatch,
  parkedEvent,
  refusedKinesisRecord,
  routerBatch,
  STREAM_ARN,
  undelivered,
  wakeUp,
} from '../support/dead-letter-messages.js';

const REGION = 'eu-west-1';
const INGEST_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/EdweStack-IngestDeadLetterQueue';
const ROUTER_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/EdweStack-RouterFailureQueue';
const SWEEPER = 'EdweStack-SweeperFunction';
const WAKE_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/EdweStack-FlowControlDeadLetterQueue';
const WAKE_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/EdweStack-FlowControlWakeUps';
const OUTPUTS = {
  IngestDeadLetterQueueUrl: INGEST_DLQ,
  FailureQueueUrl: ROUTER_QUEUE,
  EventsTableName: 'EdweStack-Events',
  EventRetentionDays: '30',
  EventBusName: 'edwe-events',
  SweeperFunctionName: SWEEPER,
  FlowWakeDeadLetterQueueUrl: WAKE_DLQ,
  FlowWakeQueueUrl: WAKE_QUEUE,
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
/** A Lambda Invoke answer's payload. */
const payload = (text: string) => Buffer.from(text) as unknown as NonNullable<InvokeCommandOutput['Payload']>;
describe('edwe dlq', () => {
  const sqs = mockClient(SQSClient);
  const lambda = mockClient(LambdaClient);
  const cloudFormation = mockClient(CloudFormationClient);
  const dynamodb = mockClient(DynamoDBClient);
  const kinesis = mockClient(KinesisClient);
  const eventBridge = mockClient(EventBridgeClient);
  const regions: Array<string | undefined> = [];
  const clients = (region?: string): DlqClients => {
    regions.push(region);
    return dlqClients(region ?? REGION, { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  };
  const queueHolds = (...messages: Message[]) => sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });

  beforeEach(() => {
    for (const mock of [sqs, lambda, cloudFormation, dynamodb, kinesis, eventBridge]) mock.reset();
    regions.length = 0;
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'EdweStack',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    });
    dynamodb.on(PutItemCommand).resolves({});
    // The table already says since when its hours are marked; each hour's mark is one UpdateItem before its first event.
    dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: 'HOURS#since' } } });
    dynamodb.on(UpdateItemCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('null') });
  });
  afterAll(() => {
    for (const mock of [sqs, lambda, cloudFormation, dynamodb, kinesis, eventBridge]) mock.restore();
  });

  it('lists a queue named by its stack output, one line per message saying what it is, hiding each for 30 s', async () => {
    queueHolds(refusedKinesisRecord(b64({ source: 'app' })), failedBusInvocation);
    const io = memoryIo({ cwd: '/' });

    const code = await dlqCommand(['list', 'ingest', '--stack', 'EdweStack', '--region', REGION], io, clients);

    expect(code).toBe(0);
    expect(regions).toEqual([REGION]);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({ StackName: 'EdweStack' });
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: INGEST_DLQ,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 30,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    });
    expect(io.out.split('\n').filter(Boolean)).toEqual([
      'm-refused  2026-07-01T12:00:00.000Z  refused-record  kinesis record refused (validation_error): Invalid event: type: required',
      'm-async  2026-07-01T12:00:00.000Z  failed-invocation  EdweStack-BusIngestionIngestFunction kept failing: RetryableError: storing event failed',
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toEqual([]);
  });

  it('lists as JSON lines with --json, reading the queue URL as given', async () => {
    queueHolds(parkedEvent);
    const io = memoryIo({ cwd: '/' });

    await dlqCommand(['list', ROUTER_QUEUE, '--json'], io, clients);

    expect(JSON.parse(io.out)).toEqual({
      messageId: 'm-parked',
      sentAt: '2026-07-01T12:00:00.000Z',
      receiveCount: 1,
      kind: 'parked-event',
      eventId: '01JPARK',
      message: 'gave up routing event 01JPARK after 3 sweeps',
    });
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toEqual([]);
  });

  it("re-ingests a refused record's original data into the Events table, then deletes the message", async () => {
    const fixed = { id: 'evt-fixed', type: 'user_registration', source: 'app', timestamp: '2026-07-01T11:59:00Z', data: {} };
    queueHolds(refusedKinesisRecord(b64(fixed)));
    const io = memoryIo({ cwd: '/' });

    const code = await dlqCommand(['redrive', 'ingest'], io, clients);

    expect(code).toBe(0);
    const put = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put?.TableName).toBe('EdweStack-Events');
    expect(put?.ConditionExpression).toBe('attribute_not_exists(#pk)');
    expect(unmarshall(put?.Item ?? {})).toMatchObject({ pk: 'EVT#evt-fixed', source: 'app', unrouted: expect.any(String) });
    // A redriven event is found by time reads like any other: its hour is marked first.
    expect(dynamodb.commandCalls(UpdateItemCommand).map((c) => [c.args[0].input.TableName, unmarshall(c.args[0].input.Key ?? {}).pk])).toEqual([
      ['EdweStack-Events', 'HOURS#2026-07-01'],
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([{ QueueUrl: INGEST_DLQ, ReceiptHandle: 'receipt-m-refused' }]);
    expect(io.out).toBe('m-refused  redriven: stored event evt-fixed\n');
  });

  it('keeps a record that is still invalid, saying why, and exits 1', async () => {
    queueHolds(refusedKinesisRecord(b64({ source: 'app' })));
    const io = memoryIo({ cwd: '/' });

    const code = await dlqCommand(['redrive', 'ingest'], io, clients);

    expect(code).toBe(1);
    expect(io.out).toMatch(/^m-refused {2}kept: still refused: Invalid event: type/);
    expect(dynamodb.commandCalls(PutItemCommand)).toEqual([]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toEqual([]);
  });

  it('invokes the function of a failed asynchronous invocation again with its payload, and the target of an undelivered event', async () => {
    queueHolds(failedBusInvocation, undelivered);

    const code = await dlqCommand(['redrive', 'ingest'], memoryIo({ cwd: '/' }), clients);

    expect(code).toBe(0);
    expect(
      lambda.commandCalls(InvokeCommand).map((c) => ({ ...c.args[0].input, Payload: JSON.parse(Buffer.from(c.args[0].input.Payload as Uint8Array).toString()) })),
    ).toEqual([
      { FunctionName: BUS_INGEST_ARN, InvocationType: 'RequestResponse', Payload: failedBusInvocation.Body && JSON.parse(failedBusInvocation.Body).requestPayload },
      { FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:bus-ingest', InvocationType: 'RequestResponse', Payload: JSON.parse(undelivered.Body as string) },
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(2);
  });

  it('keeps a message whose function fails again', async () => {
    queueHolds(failedBusInvocation);
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload('{"errorType":"RetryableError"}') });

    expect(await dlqCommand(['redrive', 'ingest'], memoryIo({ cwd: '/' }), clients)).toBe(1);
    expect(sqs.commandCalls(DeleteMessageCommand)).toEqual([]);
  });

  it('asks the sweeper to route a parked event by id, and to sweep for a router batch', async () => {
    queueHolds(parkedEvent, routerBatch);
    lambda
      .on(InvokeCommand, { Payload: Buffer.from(JSON.stringify({ eventIds: ['01JPARK'] })) })
      .resolves({ StatusCode: 200, Payload: payload(JSON.stringify({ results: [{ eventId: '01JPARK', outcome: 'routed' }] })) });
    const io = memoryIo({ cwd: '/' });

    const code = await dlqCommand(['redrive', 'router'], io, clients);

    expect(code).toBe(0);
    expect(lambda.commandCalls(InvokeCommand).map((c) => [c.args[0].input.FunctionName, Buffer.from(c.args[0].input.Payload as Uint8Array).toString()])).toEqual([
      [SWEEPER, '{"eventIds":["01JPARK"]}'],
      [SWEEPER, '{}'],
    ]);
    expect(io.out).toBe('m-parked  redriven: 01JPARK: routed\nm-batch  redriven: the sweeper swept the unrouted events\n');
  });

  it('reads a failed Kinesis batch back from the stream and ingests its records with the ids the ingest would derive', async () => {
    queueHolds(kinesisBatch);
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    const record = (seq: string, event: unknown) => ({
      SequenceNumber: seq,
      Data: Buffer.from(JSON.stringify(event)),
      PartitionKey: 'p',
      ApproximateArrivalTimestamp: new Date('2026-07-01T11:00:00Z'),
    });
    kinesis.on(GetRecordsCommand).resolvesOnce({
      Records: [record('10', { type: 'a', source: 's' }), record('11', { type: 'b', source: 's' }), record('12', { type: 'c', source: 's' })],
      NextShardIterator: 'it-2',
      MillisBehindLatest: 0,
    });
    // The id the Kinesis ingest gives an event without one: from the record's identity (`<stream>/<shard>:<sequence>`) and arrival.
    const ingestId = (seq: string, type: string) =>
      normaliseEvent({ type, source: 's' }, recordEnvelope(`${STREAM_ARN}/shardId-000000000000:${seq}`, Date.parse('2026-07-01T11:00:00Z'))).id;

    const code = await dlqCommand(['redrive', 'ingest'], memoryIo({ cwd: '/' }), clients);

    expect(code).toBe(0);
    expect(kinesis.commandCalls(GetShardIteratorCommand)[0]?.args[0].input).toEqual({
      StreamARN: STREAM_ARN,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: '10',
    });
    expect(kinesis.commandCalls(GetRecordsCommand)[0]?.args[0].input).toEqual({ StreamARN: STREAM_ARN, ShardIterator: 'it-1' });
    // Record 12 is past the batch's end and is left to the stream.
    const stored = dynamodb.commandCalls(PutItemCommand).map((c) => unmarshall(c.args[0].input.Item ?? {}));
    expect(stored.map((item) => [item.type, item.id])).toEqual([
      ['a', ingestId('10', 'a')],
      ['b', ingestId('11', 'b')],
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(1);
  });

  it('lists the flow-wake dead-letter queue by name, and sends each wake-up back to the wake-up queue, due at once', async () => {
    queueHolds(wakeUp);
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: 'x' }], Failed: [] });
    const listed = memoryIo({ cwd: '/' });
    await dlqCommand(['list', 'flow-wake'], listed, clients);
    expect(listed.out).toContain('m-wake  2026-07-01T12:00:00.000Z  wake-up  flow-control wake-up of rule build-report, key v:acme, due 2026-07-01T11:58:00.000Z');
    sqs.reset();
    queueHolds(wakeUp);
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: 'x' }], Failed: [] });
    const io = memoryIo({ cwd: '/' });

    const code = await dlqCommand(['redrive', 'flow-wake'], io, clients);

    expect(code).toBe(0);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.QueueUrl).toBe(WAKE_DLQ);
    const [sent] = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(sent?.QueueUrl).toBe(WAKE_QUEUE);
    expect(sent?.Entries?.map((e) => [JSON.parse(e.MessageBody as string), e.DelaySeconds])).toEqual([
      [{ ruleId: 'build-report', key: 'v:acme', dueAt: '2026-07-01T11:58:00.000Z' }, 0],
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.QueueUrl)).toEqual([WAKE_DLQ]);
  });

  it('keeps a wake-up it has no wake-up queue for (a stack deployed before the output), saying which option gives one', async () => {
    queueHolds(wakeUp);
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'Older' })
      .resolves({ Stacks: [{ StackName: 'Older', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });
    const io = memoryIo({ cwd: '/' });

    expect(await dlqCommand(['redrive', WAKE_DLQ, '--stack', 'Older'], io, clients)).toBe(1);
    expect(io.out).toContain('kept: no wake-up queue (give --stack or --wake-up-queue)');
    expect(sqs.commandCalls(DeleteMessageCommand)).toEqual([]);
  });

  it('answers a usage error with 2', async () => {
    const io = memoryIo({ cwd: '/' });

    expect(await dlqCommand(['peek', 'ingest'], io, clients)).toBe(2);
    expect(await dlqCommand(['list'], io, clients)).toBe(2);
    expect(await dlqCommand(['list', 'ingest', '--max', 'lots'], io, clients)).toBe(2);
    expect(io.err).toContain('edwe dlq list <queue>');
  });
});
