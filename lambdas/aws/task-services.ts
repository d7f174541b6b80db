/**
 * The built-in tasks' services in Lambda: `emit-event` stores its event in the Events
 * table, where the router's stream picks it up like any other; `wait-for-event` registers its waiter
 * in the State table and looks back over the correlation's stored events, completing its own task
 * with `SendTaskSuccess` when one is already there. Their SDK clients are traced (Powertools Tracer),
 * so a workflow's trace shows the task's DynamoDB and Step Functions calls.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import * as z from '../core/schema.js';
// Deep imports, not core's index: the built-in tasks load this module lazily, and esbuild keeps all a
// lazily loaded module reaches (core's index reaches the YAML parser of the rules).
import { CorrelationWaits } from '../core/app/correlation-waits.js';
import { createTaskServices } from '../core/app/task-services.js';
import { liveEnvelope } from '../core/ids.js';
import type { TaskServices } from '../core/ports/tasks.js';
import { DynamoDbEventStore } from './dynamodb-event-store.js';
import { DynamoDbExecutionStore } from './dynamodb-execution-store.js';
import { DynamoDbWaiterStore } from './dynamodb-waiter-store.js';
import { ENV } from '../layout/environment.js';
import { SfnTaskTokens } from './sfn-task-tokens.js';
import { parseEnv, requiredVar, retentionDaysVar } from './wiring/env.js';
import { fieldsFromEnv } from './wiring/field-encryption.js';

/** Set on the built-in task functions by the `Workflows` construct. */
const TaskEnv = z.object({
  [ENV.EVENTS_TABLE]: requiredVar(),
  [ENV.STATE_TABLE]: requiredVar(),
  [ENV.RETENTION_DAYS]: retentionDaysVar(),
});

/**
 * The services built from the task function's environment — the one place under `lambdas/aws`
 * that reads it, because task functions are called by Step Functions with the state's input, not
 * through a handler of their own (see lambdas/tasks/runtime.ts).
 * @throws EnvironmentError naming each missing variable.
 */
export function taskServicesFromEnvironment(env: Record<string, string | undefined> = process.env, capture: <T>(client: T) => T = tracedClients()): TaskServices {
  const { EVENTS_TABLE, STATE_TABLE, RETENTION_DAYS } = parseEnv(TaskEnv, env);
  const dynamodb = capture(new DynamoDBClient({}));
  const events = new DynamoDbEventStore({ client: dynamodb, tableName: EVENTS_TABLE, retentionDays: RETENTION_DAYS });
  const waits = new CorrelationWaits({
    waiters: new DynamoDbWaiterStore({ client: dynamodb, tableName: STATE_TABLE }),
    tokens: new SfnTaskTokens(capture(new SFNClient({}))),
    events,
  });
  const { fields } = fieldsFromEnv(env, capture);
  return createTaskServices({
    ingest: { store: events, envelope: liveEnvelope({ now: () => Date.now() }, randomBytes), ...(fields === undefined ? {} : { fields }) },
    waits,
    // What a workflow emits is sealed where it carries its input's sensitive plaintext (the execution's record has the input).
    ...(fields === undefined ? {} : { concealing: { fields, executions: new DynamoDbExecutionStore({ client: dynamodb, tableName: STATE_TABLE }) } }),
  });
}

/** Wraps SDK clients with one Powertools Tracer; outside Lambda the tracer is disabled and hands each client back as it is. */
function tracedClients(): <T>(client: T) => T {
  const tracer = new Tracer();
  return (client) => tracer.captureAWSv3Client(client);
}
