/**
 * The production wiring the handlers share: the environment each one parses at cold start, and the
 * adapters built from it (the event store, the State table's stores, the SQS dead-letter queue).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { DynamoDbEventStore } from '../aws/dynamodb-event-store.js';
import { DynamoDbExecutionStore } from '../aws/dynamodb-execution-store.js';
import { DynamoDbJoinStore } from '../aws/dynamodb-join-store.js';
import { DynamoDbWaiterStore } from '../aws/dynamodb-waiter-store.js';
import { DEFAULT_RETENTION_DAYS } from '../layout/events-table.js';
import { SqsDeadLetterQueue } from '../aws/sqs-dead-letter-queue.js';
import { requiredVar } from './env.js';
import { tracer } from './powertools.js';

/** The Events table and how long events are kept (set by the CDK constructs). */
export const StoreEnv = z.object({
  EVENTS_TABLE: requiredVar(),
  RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).int().positive().default(DEFAULT_RETENTION_DAYS),
});

/** Where records refused for their content go. */
export const DeadLetterEnv = z.object({ DEAD_LETTER_QUEUE_URL: requiredVar() });

/** The event store on the table the environment names, with a traced client. */
export function storeFrom(config: z.output<typeof StoreEnv>): DynamoDbEventStore {
  const client = tracer.captureAWSv3Client(new DynamoDBClient({}));
  return new DynamoDbEventStore({ client, tableName: config.EVENTS_TABLE, retentionDays: config.RETENTION_DAYS });
}

/** The dead-letter queue the environment names, with a traced client. */
export function deadLettersFrom(config: z.output<typeof DeadLetterEnv>): SqsDeadLetterQueue {
  return new SqsDeadLetterQueue({ client: tracer.captureAWSv3Client(new SQSClient({})), queueUrl: config.DEAD_LETTER_QUEUE_URL });
}

/** The State table (executions, waiters, joins), set by the CDK constructs. */
export const StateEnv = z.object({
  STATE_TABLE: requiredVar(),
  RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).int().positive().default(DEFAULT_RETENTION_DAYS),
});

/** The State table's adapters on one traced client. */
export function stateFrom(config: z.output<typeof StateEnv>): { executions: DynamoDbExecutionStore; joins: DynamoDbJoinStore; waiters: DynamoDbWaiterStore } {
  const client = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const tableName = config.STATE_TABLE;
  return {
    executions: new DynamoDbExecutionStore({ client, tableName, retentionDays: config.RETENTION_DAYS }),
    joins: new DynamoDbJoinStore({ client, tableName }),
    waiters: new DynamoDbWaiterStore({ client, tableName }),
  };
}
