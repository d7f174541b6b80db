/** The State table (executions, waiters, joins) as the environment names it, and its adapters on one traced client. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from '../../core/schema.js';
import type { Clock } from '../../core/index.js';
import { ENV } from '../../layout/environment.js';
import { DynamoDbExecutionStore } from '../dynamodb-execution-store.js';
import { DynamoDbJoinStore } from '../dynamodb-join-store.js';
import { DynamoDbWaiterStore } from '../dynamodb-waiter-store.js';
import { requiredVar, retentionDaysVar } from './env.js';
import { tracer } from './powertools.js';

/** The State table, set by the CDK constructs. */
export const StateEnv = z.object({
  [ENV.STATE_TABLE]: requiredVar(),
  [ENV.RETENTION_DAYS]: retentionDaysVar(),
});

/** The State table's adapters on one traced client. */
export function stateFrom(
  config: z.output<typeof StateEnv>,
  clock: Clock = { now: () => Date.now() },
): { executions: DynamoDbExecutionStore; joins: DynamoDbJoinStore; waiters: DynamoDbWaiterStore } {
  const client = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const tableName = config.STATE_TABLE;
  return {
    executions: new DynamoDbExecutionStore({ client, tableName, retentionDays: config.RETENTION_DAYS, clock }),
    joins: new DynamoDbJoinStore({ client, tableName, clock }),
    waiters: new DynamoDbWaiterStore({ client, tableName }),
  };
}
