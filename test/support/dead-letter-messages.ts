/**
 * Dead letters as they wait in the engine's queues (lambdas/aws/dead-letters.ts tells them apart): the
 * engine's own letters (a refused record, a parked event), Lambda's on-failure records (an
 * asynchronous invocation, a router or Kinesis batch) and an event EventBridge could not deliver.
 */
import type { Message } from '@aws-sdk/client-sqs';

/** The bus ingest function, as a failed invocation names it. */
export const BUS_INGEST_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:EdweStack-BusIngestionIngestFunction:$LATEST';
/** The Kinesis source the refused record and the failed batch came from. */
export const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/user-events';

/** An SQS message with this body and these message attributes, received once. */
export const aMessage = (id: string, body: unknown, attributes: Record<string, string> = {}): Message => ({
  MessageId: id,
  ReceiptHandle: `receipt-${id}`,
  Body: JSON.stringify(body),
  Attributes: { SentTimestamp: String(Date.parse('2026-07-01T12:00:00Z')), ApproximateReceiveCount: '1' },
  MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
});

/** A Kinesis record the ingest refused, with its original `data` (base64). */
export const refusedKinesisRecord = (data: string) =>
  aMessage('m-refused', {
    source: 'kinesis',
    reason: 'validation_error',
    message: 'Invalid event: type: required',
    details: [{ path: 'type', message: 'required' }],
    record: {
      eventSourceARN: STREAM_ARN,
      eventID: 'shardId-000000000000:49590338271490256608559692538361571095921575989136588898',
      approximateArrivalTimestamp: 1_782_907_200,
    },
    data,
    failedAt: '2026-07-01T12:00:00.000Z',
  });

/** Lambda's on-failure record of a bus ingest invocation that failed its retries. */
export const failedBusInvocation = aMessage('m-async', {
  version: '1.0',
  timestamp: '2026-07-01T12:00:00.000Z',
  requestContext: { requestId: 'r-1', functionArn: BUS_INGEST_ARN, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
  requestPayload: { id: 'eb-1', 'detail-type': 'user_registration', source: 'web', time: '2026-07-01T11:59:00Z', detail: { userId: 'u-1' } },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: { errorType: 'RetryableError', errorMessage: 'storing event failed' },
});

/** An event the sweeper gave up routing. */
export const parkedEvent = aMessage('m-parked', {
  source: 'sweeper',
  reason: 'unroutable',
  message: 'gave up routing event 01JPARK after 3 sweeps',
  details: [],
  record: { eventId: '01JPARK', attempts: 3 },
});

/** A flow-control wake-up the wake-up queue's redrive policy moved after five receives (lambdas/aws/sqs-wake-ups.ts). */
export const wakeUp = aMessage('m-wake', { ruleId: 'build-report', key: 'v:acme', dueAt: '2026-07-01T11:58:00.000Z' });

/** Lambda's on-failure record of a router batch (the Events stream) out of retries. */
export const routerBatch = aMessage('m-batch', {
  requestContext: { requestId: 'r-2', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:router', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 6 },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: '2026-07-01T12:00:00.000Z',
  DDBStreamBatchInfo: { shardId: 'shardId-0001', startSequenceNumber: '100', endSequenceNumber: '200', batchSize: 3, streamArn: 'arn:aws:dynamodb:…/stream/…' },
});

/** Lambda's on-failure record of a Kinesis ingest batch too old to retry. */
export const kinesisBatch = aMessage('m-kinesis', {
  requestContext: {
    requestId: 'r-3',
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ingest-kinesis',
    condition: 'RecordAgeExceeded',
    approximateInvokeCount: 11,
  },
  version: '1.0',
  timestamp: '2026-07-01T12:00:00.000Z',
  KinesisBatchInfo: {
    shardId: 'shardId-000000000000',
    startSequenceNumber: '10',
    endSequenceNumber: '11',
    batchSize: 2,
    streamArn: STREAM_ARN,
    approximateArrivalOfFirstRecord: '',
    approximateArrivalOfLastRecord: '',
  },
});

/** An event EventBridge could not deliver to its target; the message attributes say why. */
export const undelivered = aMessage(
  'm-undelivered',
  { id: 'eb-2', 'detail-type': 'x', source: 'web', time: '2026-07-01T11:59:00Z', detail: {} },
  { ERROR_CODE: 'SDK_CLIENT_ERROR', ERROR_MESSAGE: 'throttled', RULE_ARN: 'arn:rule', TARGET_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:bus-ingest' },
);
