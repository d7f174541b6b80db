/**
 * Express executions' status changes, read from their state machine's log group through a CloudWatch
 * Logs subscription (Step Functions sends status change events for Standard executions only). Each
 * log record becomes the same `StatusChange` the default bus carries for Standard ones, so one
 * reading (sfn-status-change.ts) and one lifecycle serve both workflow types.
 */
import { gunzipSync } from 'node:zlib';
import * as z from '../core/schema.js';
import { validationErrorOf, ValidationError } from '../core/index.js';
import { EXPRESS_LIFECYCLE_LOG_TYPES } from '../layout/express-logs.js';
import type { StatusChange } from './sfn-status-change.js';

/** What CloudWatch Logs invokes a subscribed function with: base64 of gzipped JSON. */
export interface LogsSubscriptionEvent {
  awslogs: { data: string };
}

/** The decoded delivery (CloudWatch Logs' `DATA_MESSAGE`, or the `CONTROL_MESSAGE` it sends to check the destination). */
const LogsDelivery = z.object({
  messageType: z.string(),
  logGroup: z.string(),
  // Only the message is read: `id` and `timestamp` vary in type between producers (moto writes a numeric id).
  logEvents: z.array(z.looseObject({ message: z.string() })),
});
export type LogsDelivery = z.infer<typeof LogsDelivery>;

/** A Step Functions execution log record (level ALL; input and output only with execution data included). */
const ExecutionLogRecord = z.looseObject({
  type: z.string(),
  execution_arn: z.string().check(z.minLength(1)),
  /** Epoch milliseconds, written as a string. */
  event_timestamp: z.union([z.string().check(z.regex(/^\d+$/)), z.number()]),
  details: z.nullish(z.looseObject({ input: z.nullish(z.string()), output: z.nullish(z.string()), error: z.nullish(z.string()), cause: z.nullish(z.string()) })),
});

/** A log record read as a status change, or why it is not one. */
export type ReadLogRecord = { kind: 'change'; change: StatusChange } | { kind: 'skipped'; reason: string };

/**
 * Decodes the subscription payload.
 * @throws ValidationError when it is not base64 of gzipped JSON of CloudWatch Logs' shape.
 */
export function decodeLogsSubscription(event: LogsSubscriptionEvent): LogsDelivery {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'));
  } catch (error) {
    throw new ValidationError(`awslogs.data is not base64 of gzipped JSON (${(error as Error).message})`);
  }
  const parsed = LogsDelivery.safeParse(json);
  if (!parsed.success) throw validationErrorOf('Not a CloudWatch Logs subscription delivery', parsed.error.issues, { prefix: 'awslogs.data' });
  return parsed.data;
}

/**
 * The execution's name and state machine ARN in an Express execution ARN,
 * `arn:<partition>:states:<region>:<account>:express:<machine>:<name>:<run id>`.
 */
export function expressExecutionOf(executionArn: string): { name: string; stateMachineArn: string } | undefined {
  const parts = executionArn.split(':');
  if (parts.length !== 9 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'express') return undefined;
  const [, partition, , region, account, , machine, name] = parts as [string, string, string, string, string, string, string, string];
  if (!machine || !name) return undefined;
  return { name, stateMachineArn: `arn:${partition}:states:${region}:${account}:stateMachine:${machine}` };
}

/**
 * Reads one log message. The records carry the event's time only: it is the stop date of an end and
 * the start date of a start; an end's start date is that time too, used only when no record of the
 * execution exists — and then the change, which has no input, is ignored by the lifecycle anyway.
 */
export function statusChangeOfLogMessage(message: string): ReadLogRecord {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { kind: 'skipped', reason: 'the log message is not JSON' };
  }
  const parsed = ExecutionLogRecord.safeParse(json);
  if (!parsed.success) return { kind: 'skipped', reason: `not a Step Functions log record (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})` };
  const record = parsed.data;
  const status = (EXPRESS_LIFECYCLE_LOG_TYPES as Record<string, string>)[record.type];
  if (status === undefined) return { kind: 'skipped', reason: `log record type ${record.type} is not a status change` };
  const execution = expressExecutionOf(record.execution_arn);
  if (execution === undefined) return { kind: 'skipped', reason: `${record.execution_arn} is not an Express execution ARN` };
  const at = Number(record.event_timestamp);
  const change: StatusChange = { ...execution, status, startDate: at };
  const details = record.details ?? {};
  if (status === 'RUNNING') {
    if (details.input !== undefined) change.input = details.input;
    return { kind: 'change', change };
  }
  change.stopDate = at;
  if (details.output !== undefined) change.output = details.output;
  if (details.error !== undefined) change.error = details.error;
  if (details.cause !== undefined) change.cause = details.cause;
  return { kind: 'change', change };
}

/** Whether an invocation's event is a CloudWatch Logs subscription delivery (else: an EventBridge event). */
export function isLogsSubscriptionEvent(event: unknown): event is LogsSubscriptionEvent {
  return typeof (event as Partial<LogsSubscriptionEvent> | null)?.awslogs?.data === 'string';
}
