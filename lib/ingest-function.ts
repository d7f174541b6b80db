/**
 * The parts every ingest Lambda shares: the table and retention in its environment, put-and-get on
 * the table (append-only), the table's key, and — for stream sources — the dead-letter queue it
 * sends refused records to. Also the queue itself: encrypted, TLS only, kept 14 days.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { DEFAULT_RETENTION_DAYS } from '../lambdas/layout/events-table.js';
import { createFailureQueue, grantKeyUse, grantSendToQueue } from './encryption.js';
import { createFunction, handlerEntry, type EdweFunctionProps, type Invocation } from './lambda-defaults.js';
import { markHoursStatements } from './hour-marks-grants.js';

/** Where events are stored, shared by every ingest construct's props. */
export interface EventTableProps {
  readonly table: dynamodb.ITable;
  /** The table's key, for the function's encrypt/decrypt grant (and its log group). */
  readonly encryptionKey?: kms.IKey;
  /** Days an event is kept. Default 30. */
  readonly retentionDays?: number;
}

export interface IngestFunctionProps extends EventTableProps {
  /** The handler's file name in `lambdas/handlers/`. */
  readonly handler: string;
  readonly serviceName: string;
  readonly description: string;
  /** How the function is invoked. Default `sync`. */
  readonly invocation?: Invocation;
  /** Where the function sends records refused for their content (`DEAD_LETTER_QUEUE_URL`). */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Merged over the function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/** @throws Error when the retention is not a whole number of days above 0. */
export function checkedRetentionDays(retentionDays: number | undefined, who: string): number {
  const days = retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!Number.isInteger(days) || days < 1) throw new Error(`${who}: retentionDays must be a positive integer, got ${days}`);
  return days;
}

/** An ingest function wired to the table (PutItem and GetItem only), the key and the dead-letter queue. */
export function createIngestFunction(scope: Construct, id: string, props: IngestFunctionProps): NodejsFunction {
  const retentionDays = checkedRetentionDays(props.retentionDays, id);
  const fn = createFunction(scope, id, {
    entry: handlerEntry(props.handler),
    serviceName: props.serviceName,
    description: props.description,
    ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }),
    invocation: props.invocation ?? 'sync',
    ...props.functionProps,
    environment: {
      [ENV.EVENTS_TABLE]: props.table.tableName,
      [ENV.RETENTION_DAYS]: String(retentionDays),
      ...(props.deadLetterQueue === undefined ? {} : { [ENV.DEAD_LETTER_QUEUE_URL]: props.deadLetterQueue.queueUrl }),
      ...props.functionProps?.environment,
    },
  });
  // Append-only: put, and get (a duplicate is told from a conflict by reading), on the table itself — no index, no update or delete.
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'AppendEvents', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [props.table.tableArn] }));
  for (const statement of markHoursStatements(props.table)) fn.addToRolePolicy(statement);
  grantKeyUse(props.encryptionKey, fn, 'encrypt-decrypt');
  if (props.deadLetterQueue !== undefined) grantSendToQueue(props.deadLetterQueue, fn);
  return fn;
}

/**
 * A queue for what could not be delivered or processed, TLS only, kept 14 days: encrypted with `key`
 * when given, else with SQS-managed keys (see `createFailureQueue`).
 */
export function createDeadLetterQueue(scope: Construct, id: string, key?: kms.IKey, purpose = "the engine's ingestion"): sqs.Queue {
  return createFailureQueue(scope, id, key, purpose);
}
