/**
 * What a message in one of the engine's dead-letter or on-failure queues is, and so how it can be
 * redriven (`edwe dlq`). Five shapes arrive there:
 * - the engine's own letters (SqsDeadLetterQueue): a Kinesis/Kafka record refused for its content,
 *   a replay entry the bus refused, an event the sweeper gave up on;
 * - Lambda's on-failure records of asynchronous invocations (bus ingest, lifecycle, replay start, sweeper);
 * - Lambda's on-failure records of stream mappings (the router's DynamoDB stream, Kinesis, Kafka),
 *   which name a stretch of the stream, not the records;
 * - EventBridge's target dead letters: the event itself, with the error in message attributes;
 * - flow control's wake-ups (lambdas/aws/sqs-wake-ups.ts), moved by the wake-up queue's redrive policy after five receives.
 */

/** An SQS message as the classifier reads it. */
export interface QueueMessage {
  body: string;
  /** Message attributes' string values (EventBridge puts ERROR_CODE, TARGET_ARN, … there). */
  attributes?: Readonly<Record<string, string | undefined>>;
}

export type DeadLetterMessage =
  /** A stream record refused for its content: its original bytes (base64) can be ingested again. */
  | { kind: 'refused-record'; source: string; reason: string; message: string; data?: string; truncated: boolean; record: Record<string, unknown>; failedAt?: string }
  /** A replay entry the bus refused (base64 JSON of the entry). */
  | { kind: 'refused-replay-entry'; reason: string; message: string; data?: string; record: Record<string, unknown> }
  /** An event the sweeper could not route and parked. */
  | { kind: 'parked-event'; eventId: string; message: string }
  /** An asynchronous invocation that kept failing: the function and the payload to invoke it with again. */
  | { kind: 'failed-invocation'; functionArn: string; payload: unknown; error: string }
  /** A stretch of the Events table's stream the router gave up on. */
  | { kind: 'failed-router-batch'; shardId: string; startSequenceNumber: string; endSequenceNumber: string; error: string }
  /** A stretch of a Kinesis stream the ingest function gave up on. */
  | { kind: 'failed-kinesis-batch'; streamArn: string; shardId: string; startSequenceNumber: string; endSequenceNumber: string; batchSize: number; error: string }
  /** A Kafka batch the ingest function gave up on (Kafka cannot be read back from here). */
  | { kind: 'failed-kafka-batch'; description: string; error: string }
  /** An event EventBridge could not deliver to its target. */
  | { kind: 'undelivered-event'; targetArn: string; event: unknown; error: string }
  /** A flow-control wake-up the wake-up function kept failing on: rule R was to look at key K again at `dueAt`. */
  | { kind: 'wake-up'; ruleId: string; key: string; dueAt: string }
  | { kind: 'unknown'; why: string };

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/** Tells what a dead-letter message is. Never throws: what it cannot tell is `unknown`, with why. */
export function classifyDeadLetter(message: QueueMessage): DeadLetterMessage {
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    return { kind: 'unknown', why: 'the body is not JSON' };
  }
  if (!isObject(body)) return { kind: 'unknown', why: 'the body is not a JSON object' };

  const targetArn = message.attributes?.TARGET_ARN;
  if (targetArn !== undefined) {
    return { kind: 'undelivered-event', targetArn, event: body, error: `${message.attributes?.ERROR_CODE ?? 'error'}: ${message.attributes?.ERROR_MESSAGE ?? ''}`.trim() };
  }
  const context = body.requestContext;
  const error = errorOf(body);
  if (isObject(body.DDBStreamBatchInfo)) {
    const info = body.DDBStreamBatchInfo;
    return {
      kind: 'failed-router-batch',
      shardId: text(info.shardId),
      startSequenceNumber: text(info.startSequenceNumber),
      endSequenceNumber: text(info.endSequenceNumber),
      error,
    };
  }
  if (isObject(body.KinesisBatchInfo)) {
    const info = body.KinesisBatchInfo;
    return {
      kind: 'failed-kinesis-batch',
      streamArn: text(info.streamArn),
      shardId: text(info.shardId),
      startSequenceNumber: text(info.startSequenceNumber),
      endSequenceNumber: text(info.endSequenceNumber),
      batchSize: Number(info.batchSize ?? 0),
      error,
    };
  }
  const kafka = Object.keys(body).find((key) => /Kafka|MSK/i.test(key) && isObject(body[key]));
  if (kafka !== undefined) return { kind: 'failed-kafka-batch', description: JSON.stringify(body[kafka]), error };
  if (isObject(context) && typeof context.functionArn === 'string' && 'requestPayload' in body) {
    return { kind: 'failed-invocation', functionArn: context.functionArn, payload: body.requestPayload, error };
  }
  if (typeof body.source === 'string' && typeof body.reason === 'string' && isObject(body.record)) return letter(body, body.record);
  if (isWakeUp(body)) return { kind: 'wake-up', ruleId: body.ruleId, key: body.key, dueAt: body.dueAt };
  return { kind: 'unknown', why: 'not a shape the engine writes or AWS delivers to its queues' };
}

/** One line about the message, for `edwe dlq list`. */
export function describeDeadLetter(message: DeadLetterMessage): string {
  switch (message.kind) {
    case 'refused-record':
      return `${message.source} record refused (${message.reason}): ${message.message}${message.truncated ? ' [data truncated]' : ''}`;
    case 'refused-replay-entry':
      return `replay entry refused by the bus (${message.reason}): ${message.message}`;
    case 'parked-event':
      return `event ${message.eventId} parked by the sweeper: ${message.message}`;
    case 'failed-invocation':
      return `${message.functionArn.split(':').slice(6, 7).join('') || message.functionArn} kept failing: ${message.error}`;
    case 'failed-router-batch':
      return `router gave up on stream shard ${message.shardId}, sequence ${message.startSequenceNumber}..${message.endSequenceNumber}: ${message.error}`;
    case 'failed-kinesis-batch':
      return `Kinesis ingest gave up on ${message.batchSize} records of ${message.shardId}, sequence ${message.startSequenceNumber}..${message.endSequenceNumber}: ${message.error}`;
    case 'failed-kafka-batch':
      return `Kafka ingest gave up on a batch ${message.description}: ${message.error}`;
    case 'undelivered-event':
      return `EventBridge could not deliver an event to ${message.targetArn}: ${message.error}`;
    case 'wake-up':
      return `flow-control wake-up of rule ${message.ruleId}, key ${message.key}, due ${message.dueAt}`;
    case 'unknown':
      return `unknown message: ${message.why}`;
  }
}

function letter(body: Record<string, unknown>, record: Record<string, unknown>): DeadLetterMessage {
  const base = {
    reason: String(body.reason),
    message: String(body.message ?? ''),
    record,
    ...(typeof body.data === 'string' ? { data: body.data } : {}),
  };
  if (body.source === 'sweeper' && typeof record.eventId === 'string') return { kind: 'parked-event', eventId: record.eventId, message: base.message };
  if (body.source === 'replay') return { kind: 'refused-replay-entry', ...base };
  return {
    kind: 'refused-record',
    source: String(body.source),
    truncated: body.dataTruncated === true,
    ...base,
    ...(typeof body.failedAt === 'string' ? { failedAt: body.failedAt } : {}),
  };
}

/** The error an on-failure record carries: the function's error, or the mapping's condition. */
function errorOf(body: Record<string, unknown>): string {
  const payload = body.responsePayload;
  if (isObject(payload) && typeof payload.errorType === 'string') return `${payload.errorType}: ${String(payload.errorMessage ?? '')}`;
  const condition = isObject(body.requestContext) ? body.requestContext.condition : undefined;
  return typeof condition === 'string' ? condition : 'unknown';
}

/** A wake-up's body (wakeUpBody in lambdas/aws/sqs-wake-ups.ts): exactly a rule, a key and a due time. */
function isWakeUp(body: Record<string, unknown>): body is { ruleId: string; key: string; dueAt: string } {
  const keys = Object.keys(body).sort().join(',');
  return (
    keys === 'dueAt,key,ruleId' &&
    typeof body.ruleId === 'string' &&
    body.ruleId !== '' &&
    typeof body.key === 'string' &&
    typeof body.dueAt === 'string' &&
    !Number.isNaN(Date.parse(body.dueAt))
  );
}
