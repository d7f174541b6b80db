/**
 * The AWS wiring of execution actions (lib/execution-actions-api.ts): stop and redrive through `SfnWorkflowControl`,
 * a QUEUED execution stopped where flow control holds it, and bulk actions kept by the replay job store on the State
 * table and run step by step by the bulk action driver — the API function and the step function share all of it.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { BulkActions } from '../../core/app/bulk-actions.js';
import { ExecutionActions } from '../../core/app/execution-actions.js';
import { ExecutionLifecycle } from '../../core/app/lifecycle.js';
import { queuedStops } from '../../core/app/queued-stops.js';
import type { Clock } from '../../core/clock.js';
import { ulidIds } from '../../core/ids.js';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import { DynamoDbFlowStateStore } from '../dynamodb-flow-state-store.js';
import { DynamoDbReplayJobStore } from '../dynamodb-replay-job-store.js';
import type { ExecutionActionsHttpDeps } from '../http/execution-actions-http.js';
import type { BulkActionStepDeps } from '../jobs/bulk-action-step.js';
import { PowertoolsEngineMetrics } from '../powertools-engine-metrics.js';
import { RecordedWorkflowStarter } from '../recorded-workflow-starter.js';
import { SfnReplayDriver } from '../sfn-replay-driver.js';
import { SfnWorkflowControl } from '../sfn-workflow-control.js';
import { SfnWorkflowStarter } from '../sfn-workflow-starter.js';
import { jsonMapVar, parseEnv, parseEnvWithMachines, requiredVar } from './env.js';
import { storeFrom } from './events.js';
import { fieldsFromEnv } from './field-encryption.js';
import { logger as sharedLogger, metrics as sharedMetrics, traced, tracer } from './powertools.js';
import { stateFrom, StateEnv } from './state.js';

type Env = Record<string, string | undefined>;
const wallClock: Clock = { now: () => Date.now() };

/** What both functions need: the tables, the workflows' machines and types. */
export const ActionsEnv = z.extend(StateEnv, {
  [ENV.EVENTS_TABLE]: requiredVar(),
  [ENV.STATE_MACHINE_ARNS]: z.optional(jsonMapVar()),
  [ENV.STATE_MACHINE_ARN_PREFIX]: z.optional(requiredVar()),
  /** Workflow id → STANDARD or EXPRESS; a workflow not named is STANDARD. */
  [ENV.WORKFLOW_TYPES]: z.optional(jsonMapVar()),
});

const ApiEnv = z.extend(ActionsEnv, { [ENV.BULK_DRIVER_ARN]: requiredVar() });

/** The stop and redrive service, the bulk actions over it, and the job store, from the environment. */
export function executionActionsFrom(env: Env = process.env, clock: Clock = wallClock): { actions: ExecutionActions; bulk: BulkActions } {
  const config = parseEnvWithMachines(ActionsEnv, env);
  const { machines } = config;
  const arnOf = typeof machines === 'function' ? machines : (workflowId: string) => machines.get(workflowId);
  const expressWorkflows = new Set(
    Object.entries(config.WORKFLOW_TYPES ?? {})
      .filter(([, type]) => type === 'EXPRESS')
      .map(([id]) => id),
  );
  const sfn = tracer.captureAWSv3Client(new SFNClient({}));
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const { executions } = stateFrom(config, clock);
  const { fields } = fieldsFromEnv(env, traced);
  const metrics = new PowertoolsEngineMetrics(sharedMetrics);
  // An Express redrive is a new execution `<name>-redrive-<n>`, recorded first so that it starts once.
  const starter = new RecordedWorkflowStarter({
    starter: new SfnWorkflowStarter({ client: sfn, stateMachineArns: machines, ...(fields === undefined ? {} : { reveal: (input) => fields.revealInput(input) }) }),
    executions,
    expressWorkflows,
    clock,
  });
  const lifecycle = new ExecutionLifecycle({
    executions,
    events: storeFrom({ EVENTS_TABLE: config.EVENTS_TABLE, RETENTION_DAYS: config.RETENTION_DAYS }),
    clock,
    metrics,
    ...(fields === undefined ? {} : { fields }),
  });
  const skips = new DynamoDbFlowStateStore({ client: dynamodb, tableName: config.STATE_TABLE, retentionDays: config.RETENTION_DAYS, clock });
  const actions = new ExecutionActions({
    executions,
    control: new SfnWorkflowControl({ client: sfn, stateMachineArns: arnOf, expressWorkflows, starter, clock }),
    lifecycle,
    clock,
    queued: queuedStops({ executions, skips, metrics, clock }),
  });
  const ids = ulidIds(randomBytes);
  const bulk = new BulkActions({
    jobs: new DynamoDbReplayJobStore({ client: dynamodb, tableName: config.STATE_TABLE }),
    executions,
    actions,
    clock,
    newId: () => ids.newId(clock.now()),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    retentionDays: config.RETENTION_DAYS,
  });
  return { actions, bulk };
}

/** The API function's dependencies: the services, and the driver that runs a bulk action once recorded. */
export function executionActionsDepsFromEnv(env: Env = process.env): ExecutionActionsHttpDeps {
  const config = parseEnv(ApiEnv, env);
  const { actions, bulk } = executionActionsFrom(env);
  const driver = new SfnReplayDriver({ client: tracer.captureAWSv3Client(new SFNClient({})), stateMachineArn: config.BULK_DRIVER_ARN });
  return { actions, bulk, driver, logger: sharedLogger, metrics: sharedMetrics };
}

/** The step function's dependencies. */
export function bulkActionStepDepsFromEnv(env: Env = process.env): BulkActionStepDeps {
  return { bulk: executionActionsFrom(env).bulk, logger: sharedLogger };
}
