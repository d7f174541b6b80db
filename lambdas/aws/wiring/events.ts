/**
 * The Events table and the dead-letter queue as the environment names them, and the adapters
 * built on them with traced clients: the event store and the queue for records refused for their content.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import { DynamoDbEventStore } from '../dynamodb-event-store.js';
import { SqsDeadLetterQueue } from '../sqs-dead-letter-queue.js';
import { requiredVar, retentionDaysVar } from './env.js';
import { tracer } from './powertools.js';

/** The Events table and how long events are kept (set by the CDK constructs). */
export const StoreEnv = z.object({
  [ENV.EVENTS_TABLE]: requiredVar(),
  [ENV.RETENTION_DAYS]: retentionDaysVar(),
});

/** Where records refused for their content go. */
export const DeadLetterEnv = z.object({ [ENV.DEAD_LETTER_QUEUE_URL]: requiredVar() });

/** The event store on the table the environment names, with a traced client. */
export function storeFrom(config: z.output<typeof StoreEnv>): DynamoDbEventStore {
  const client = tracer.captureAWSv3Client(new DynamoDBClient({}));
  return new DynamoDbEventStore({ client, tableName: config.EVENTS_TABLE, retentionDays: config.RETENTION_DAYS });
}

/** The dead-letter queue the environment names, with a traced client. */
export function deadLettersFrom(config: z.output<typeof DeadLetterEnv>): SqsDeadLetterQueue {
  return new SqsDeadLetterQueue({ client: tracer.captureAWSv3Client(new SQSClient({})), queueUrl: config.DEAD_LETTER_QUEUE_URL });
}
