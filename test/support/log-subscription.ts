/**
 * CloudWatch Logs subscription deliveries built the way CloudWatch Logs builds them (JSON, gzipped,
 * base64), carrying Step Functions execution log records in the shape the Step Functions developer
 * guide documents for CloudWatch Logs (`id`, `type`, `details`, `previous_event_id`, `event_timestamp`
 * as a string of epoch milliseconds, `execution_arn`).
 */
import { gzipSync } from 'node:zlib';
import type { LogsSubscriptionEvent } from '../../lambdas/aws/express-log-changes.js';

/** One Step Functions log record of an Express execution. */
export interface ExpressLogRecordFields {
  /** The Express state machine's ARN (`…:stateMachine:<name>`). */
  stateMachineArn: string;
  executionName: string;
  type: 'ExecutionStarted' | 'ExecutionSucceeded' | 'ExecutionFailed' | 'ExecutionTimedOut' | 'ExecutionAborted' | 'TaskStateEntered' | 'LambdaFunctionSucceeded';
  at: number;
  details?: Record<string, unknown>;
  id?: number;
}

/** The Express execution ARN Step Functions writes: `…:express:<machine>:<name>:<run id>`. */
export const expressExecutionArn = (stateMachineArn: string, executionName: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':express:')}:${executionName}:6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`;

/** The JSON text of one log record. */
export function expressLogRecord(fields: ExpressLogRecordFields): string {
  return JSON.stringify({
    id: String(fields.id ?? 1),
    type: fields.type,
    details: fields.details ?? {},
    previous_event_id: String(Math.max((fields.id ?? 1) - 1, 0)),
    event_timestamp: String(fields.at),
    execution_arn: expressExecutionArn(fields.stateMachineArn, fields.executionName),
  });
}

/** What CloudWatch Logs invokes a subscribed function with, for these log messages. */
export function logSubscriptionEvent(logGroup: string, messages: string[], messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE' = 'DATA_MESSAGE'): LogsSubscriptionEvent {
  const delivery = {
    messageType,
    owner: '123456789012',
    logGroup,
    logStream: messageType === 'CONTROL_MESSAGE' ? '' : 'states/express/2026-12-07/abcdef',
    subscriptionFilters: messageType === 'CONTROL_MESSAGE' ? [] : ['ExpressLifecycle'],
    logEvents: messages.map((message, i) => ({ id: `3719${i}`, timestamp: messageType === 'CONTROL_MESSAGE' ? 0 : Number(JSON.parse(message).event_timestamp), message })),
  };
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(delivery))).toString('base64') } };
}
