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
import { z } from 'zod';
import { liveEnvelope, normaliseEvent, type EnvelopeContext, type EventStore, type TaskServices, type WaiterRequest } from '../core/index.js';
import { CorrelationWaits } from '../core/app/correlation-waits.js';
import { DynamoDbEventStore } from './dynamodb-event-store.js';
import { DynamoDbWaiterStore } from './dynamodb-waiter-store.js';
import { ENV } from '../layout/environment.js';
import { DEFAULT_RETENTION_DAYS } from '../layout/events-table.js';
import { SfnTaskTokens } from './sfn-task-tokens.js';

/** The source of an emitted event whose workflow names none (as in the embedded engine). */
export const EMITTED_SOURCE = 'edwe.emit-event';

export interface AwsTaskServicesDeps {
  events: EventStore;
  waits: Pick<CorrelationWaits, 'register'>;
  /** Receive time and ids of emitted events. */
  envelope: EnvelopeContext;
}

/**
 * @example installTaskServices(createAwsTaskServices({ events, waits, envelope }))
 */
export function createAwsTaskServices(deps: AwsTaskServicesDeps): TaskServices {
  return {
    emitEvent: async ({ type, source, data, correlationId }) => {
      const event = normaliseEvent({ type, source: source ?? EMITTED_SOURCE, data: data ?? {}, correlationId }, deps.envelope);
      const { id } = await deps.events.put(event);
      return { id };
    },
    registerWaiter: async (request: WaiterRequest) => {
      await deps.waits.register(request);
    },
  };
}

/** Set on the built-in task functions by the `Workflows` construct. */
const TaskEnv = z.object({
  [ENV.EVENTS_TABLE]: z.string().min(1),
  [ENV.STATE_TABLE]: z.string().min(1),
  [ENV.RETENTION_DAYS]: z.coerce.number().int().positive().default(DEFAULT_RETENTION_DAYS),
});

/**
 * The services built from the task function's environment — the one place under `lambdas/aws`
 * that reads it, because task functions are called by Step Functions with the state's input, not
 * through a handler of their own (see lambdas/tasks/runtime.ts).
 * @throws Error naming each missing variable.
 */
export function taskServicesFromEnvironment(env: Record<string, string | undefined> = process.env, capture: <T>(client: T) => T = tracedClients()): TaskServices {
  const parsed = TaskEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid environment for the built-in tasks: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  const { EVENTS_TABLE, STATE_TABLE, RETENTION_DAYS } = parsed.data;
  const dynamodb = capture(new DynamoDBClient({}));
  const events = new DynamoDbEventStore({ client: dynamodb, tableName: EVENTS_TABLE, retentionDays: RETENTION_DAYS });
  const waits = new CorrelationWaits({
    waiters: new DynamoDbWaiterStore({ client: dynamodb, tableName: STATE_TABLE }),
    tokens: new SfnTaskTokens(capture(new SFNClient({}))),
    events,
  });
  return createAwsTaskServices({ events, waits, envelope: liveEnvelope({ now: () => Date.now() }, randomBytes) });
}

/** Wraps SDK clients with one Powertools Tracer; outside Lambda the tracer is disabled and hands each client back as it is. */
function tracedClients(): <T>(client: T) => T {
  const tracer = new Tracer();
  return (client) => tracer.captureAWSv3Client(client);
}
