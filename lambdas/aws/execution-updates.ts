/**
 * The conditional updates that move an execution record on: its end, and a redrive. Each comes with the check that
 * tells, when the condition failed, whether the record already holds this very write — the SDK retries an update
 * whose answer was lost, and the retry then finds what its own first attempt wrote.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ExecutionEnd, RedriveExpectation, RedriveState } from '../core/ports/executions.js';
import { listingShard, statusIndexKey, storedOutput } from './execution-item.js';

/** An UpdateItem's expressions, its key aside. */
export interface ConditionalUpdate {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeValues: Record<string, AttributeValue>;
  ExpressionAttributeNames?: Record<string, string>;
}

/** An update, and whether a record (as read after its condition failed) is what this update wrote. */
export interface OwnUpdate {
  update: ConditionalUpdate;
  wroteItself(item: Record<string, unknown> | undefined): boolean;
}

/**
 * Ends a RUNNING (or drops a QUEUED) execution; the status index key moves with the status. `finishId` tells this
 * finish from another delivery of the same end. `queuedOnly`: only a QUEUED record is ended.
 */
export function finishUpdate(name: string, end: ExecutionEnd, finishId: string, { queuedOnly = false }: { queuedOnly?: boolean } = {}): OwnUpdate {
  const values: Record<string, unknown> = {
    ':status': end.status,
    ':stoppedAt': end.stoppedAt,
    ...(queuedOnly ? {} : { ':running': 'RUNNING' }),
    ':queued': 'QUEUED',
    ':spk': statusIndexKey(end.status, listingShard(name)),
    ':finishId': finishId,
  };
  const sets = ['#status = :status', 'stoppedAt = :stoppedAt', 'spk = :spk', 'finishId = :finishId'];
  const output = storedOutput(end.output);
  if (output !== undefined) {
    sets.push('#output = :output');
    values[':output'] = output;
  }
  if (end.error !== undefined) {
    sets.push('#error = :error');
    values[':error'] = JSON.stringify(end.error);
  }
  return {
    update: {
      UpdateExpression: `SET ${sets.join(', ')}`,
      // A held (QUEUED) execution is dropped the same way: it ends without having started. `queuedOnly`: a drop that
      // must lose to a start landing first (the record then RUNNING).
      ConditionExpression: queuedOnly ? '#status = :queued' : '#status IN (:running, :queued)',
      ExpressionAttributeNames: { '#status': 'status', ...(output === undefined ? {} : { '#output': 'output' }), ...(end.error === undefined ? {} : { '#error': 'error' }) },
      ExpressionAttributeValues: marshall(values),
    },
    wroteItself: (item) => item?.finishId === finishId,
  };
}

/**
 * Writes the redrive count, history and status when the record is as expected (a never-redriven record has no
 * count: 0). The status index key moves with the status.
 */
export function redriveUpdate(name: string, expected: RedriveExpectation, next: RedriveState): OwnUpdate {
  const { end } = next;
  const values: Record<string, unknown> = {
    ':expectedStatus': expected.status,
    ':expectedCount': expected.redriveCount,
    ':status': end?.status ?? 'RUNNING',
    ':spk': statusIndexKey(end?.status ?? 'RUNNING', listingShard(name)),
    ':count': next.redriveCount,
  };
  const sets = ['#status = :status', 'spk = :spk', 'redriveCount = :count'];
  const removes = ['finishId'];
  const put = (attribute: string, value: string | undefined): void => {
    if (value === undefined) removes.push(`#${attribute}`);
    else {
      sets.push(`#${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    }
  };
  put('stoppedAt', end?.stoppedAt);
  put('output', storedOutput(end?.output));
  put('error', end?.error === undefined ? undefined : JSON.stringify(end.error));
  put('redrives', next.redrives.length === 0 ? undefined : JSON.stringify(next.redrives));
  const countCondition = expected.redriveCount === 0 ? '(attribute_not_exists(redriveCount) OR redriveCount = :expectedCount)' : 'redriveCount = :expectedCount';
  return {
    update: {
      UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
      ConditionExpression: `#status = :expectedStatus AND ${countCondition}`,
      ExpressionAttributeNames: { '#status': 'status', '#stoppedAt': 'stoppedAt', '#output': 'output', '#error': 'error', '#redrives': 'redrives' },
      ExpressionAttributeValues: marshall(values),
    },
    wroteItself: (item) => item !== undefined && item.status === values[':status'] && (item.redriveCount ?? 0) === next.redriveCount && item.redrives === values[':redrives'],
  };
}
