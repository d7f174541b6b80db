/**
 * The engine's AWS resources, created on moto from the same sources of truth the CDK constructs read:
 * the tables (table-resources.ts), the workflows and replay driver (workflow-resources.ts), the
 * queues, bus rules and Kinesis source (messaging-resources.ts), and here the router's settings and
 * every function's environment. `test/aws/one-source-of-truth.test.ts` checks all of it against the
 * synthesized template, so a construct that changes without these files fails the tier.
 */
import { fileURLToPath } from 'node:url';
import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { DEFAULT_RETENTION_DAYS, EVENT_KEY_PREFIX, EVENTS_TABLE } from '../../../lambdas/layout/events-table.js';
import { defaultPaths, loadProject, type Project } from '../../../lambdas/project/load-project.js';
import { DEFAULT_REPLAY_MAX_RATE } from '../../../lib/replay.js';
import { ACCOUNT, REGION, type AwsClients } from './aws-clients.js';
import { createEngineBus, createKinesisStream, createQueue, putRule, replayRulePattern, type Queue } from './messaging-resources.js';
import { createEventsTable, createStateTable } from './table-resources.js';
import { createStateMachines, replayDriverStateMachine } from './workflow-resources.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The repository's project (rules/, workflows/), loaded and checked as `cdk synth` loads it. */
export const repositoryProject = (): Project => loadProject(defaultPaths(ROOT));

// Settings lib/router.ts fixes inline.

/**
 * The router's event source filter: only inserts of events are events arriving (a TTL deletion, an hour mark must start nothing).
 * Written out as the template's pattern reads; one-source-of-truth.test.ts compares the two.
 */
export const ROUTER_STREAM_FILTER = { eventName: ['INSERT'], dynamodb: { Keys: { [EVENTS_TABLE.partitionKey]: { S: [{ prefix: EVENT_KEY_PREFIX }] } } } };

/** The router's event source mapping: batch size and retries before a batch goes to the failure queue. */
export const ROUTER_EVENT_SOURCE = { batchSize: 100, retryAttempts: 5 } as const;

/** What stands in for one of the engine's own functions' ARNs. */
export const functionArn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

/** The environment each function gets from its construct (lib/ingest-function.ts, ingestion.ts, router.ts, replay.ts, workflows.ts). */
export interface FunctionEnvironments {
  ingestHttp: Record<string, string>;
  query: Record<string, string>;
  ingestKinesis: Record<string, string>;
  ingestEventBridge: Record<string, string>;
  router: Record<string, string>;
  /** The built-in wait-for-event task (lambdas/aws/task-services.ts reads it). */
  waitForEventTask: Record<string, string>;
  replaysApi: Record<string, string>;
  replayPage: Record<string, string>;
  /** The rules API (lib/rules-api.ts): the managed layer in the State table, audit events in the Events table. */
  rulesApi: Record<string, string>;
  replayStart: Record<string, string>;
}

export interface EngineResources {
  project: Project;
  eventsTable: { tableName: string; streamArn: string };
  stateTable: { tableName: string };
  /** Workflow id → state machine ARN. */
  stateMachines: Map<string, string>;
  bus: { busName: string; busArn: string; forwardRule: string };
  /** Receives what the forwarding rule delivers: stands in for the EventBridge ingest Lambda. */
  busTarget: Queue;
  /** Where refused records go (DEAD_LETTER_QUEUE_URL of the stream ingest functions). */
  ingestDeadLetterQueue: Queue;
  /** The router's on-failure destination. */
  routerFailureQueue: Queue;
  kinesisStream: { streamName: string; streamArn: string };
  replayDriverArn: string;
  /** Workflow id → the queue its replay rule delivers to: stands in for the replay start Lambda. */
  replayTargets: Map<string, Queue>;
  replayDeadLetterQueue: Queue;
  env: FunctionEnvironments;
}

/** Creates everything EdweStack defines for the project (default: the repository's own). */
export async function createEngineResources(clients: AwsClients, project: Project = repositoryProject()): Promise<EngineResources> {
  const eventsTable = await createEventsTable(clients, 'edwe-events');
  const stateTable = await createStateTable(clients, 'edwe-state');
  const stateMachines = await createStateMachines(clients, project.workflows);
  const busTarget = await createQueue(clients, 'edwe-bus-ingest-target');
  const bus = await createEngineBus(clients, 'edwe-engine-bus', busTarget);
  const ingestDeadLetterQueue = await createQueue(clients, 'edwe-ingest-dead-letters');
  const routerFailureQueue = await createQueue(clients, 'edwe-router-failures');
  const kinesisStream = await createKinesisStream(clients, 'edwe-events-stream');

  const driver = replayDriverStateMachine({ ReplayPageFunctionArn: functionArn('edwe-replay-page'), StateTableName: stateTable.tableName });
  const { stateMachineArn: replayDriverArn } = await clients.sfn.send(new CreateStateMachineCommand(driver));
  const replayDeadLetterQueue = await createQueue(clients, 'edwe-replay-dead-letters');
  const replayTargets = new Map<string, Queue>();
  for (const workflowId of project.workflows.keys()) {
    const target = await createQueue(clients, `edwe-replay-start-${workflowId}`);
    await putRule(clients, { bus: bus.busName, name: `Start-${workflowId}`, pattern: replayRulePattern(workflowId), targetArn: target.arn });
    replayTargets.set(workflowId, target);
  }

  const flowWakeQueue = await createQueue(clients, 'edwe-flow-wake');
  const retention = { RETENTION_DAYS: String(DEFAULT_RETENTION_DAYS) };
  const store = { EVENTS_TABLE: eventsTable.tableName, ...retention };
  const state = { STATE_TABLE: stateTable.tableName, ...retention };
  // As the stack passes them (lib/router.ts machinesEnvironment): one prefix, each machine named by its workflow id.
  const anyArn = [...stateMachines.values()][0] ?? `arn:aws:states:us-east-1:000000000000:stateMachine:none`;
  const machines = { STATE_MACHINE_ARN_PREFIX: anyArn.slice(0, anyArn.lastIndexOf(':') + 1) };
  const workflowTypes = { WORKFLOW_TYPES: JSON.stringify(Object.fromEntries([...project.workflows.values()].map((w) => [w.id, w.settings.type]))) };
  const rate = { REPLAY_MAX_RATE: String(DEFAULT_REPLAY_MAX_RATE) };
  const workflowIds = { WORKFLOW_IDS: [...project.workflows.keys()].join(',') };
  const env: FunctionEnvironments = {
    // Without the fast path (its variables and bundled rules: test/aws/fast-path.test.ts turns it on).
    ingestHttp: store,
    // The machines and types name each Standard execution's ARN (GET /executions/{name}).
    query: { ...store, STATE_TABLE: stateTable.tableName, ...machines, ...workflowTypes },
    ingestKinesis: { ...store, DEAD_LETTER_QUEUE_URL: ingestDeadLetterQueue.url },
    ingestEventBridge: { ...store, DEAD_LETTER_QUEUE_URL: ingestDeadLetterQueue.url },
    router: {
      ...store,
      ...state,
      ...machines,
      ...workflowTypes,
      // Managed rules read from the State table every 10 s (none here), and flow control's wake-ups (no rule of the project uses it).
      RULE_REFRESH_SECONDS: '10',
      FLOW_WAKE_QUEUE_URL: flowWakeQueue.url,
    },
    waitForEventTask: { ...store, ...state },
    // With managed rules, as the router: the live set refreshed every 10 s, and the change log for `as-of-event`.
    replaysApi: { ...state, ...rate, ...workflowIds, REPLAY_DRIVER_ARN: replayDriverArn as string, RULE_REFRESH_SECONDS: '10' },
    replayPage: {
      EVENTS_TABLE: eventsTable.tableName,
      STATE_TABLE: stateTable.tableName,
      ...rate,
      EVENT_BUS_NAME: bus.busName,
      DEAD_LETTER_QUEUE_URL: replayDeadLetterQueue.url,
      ...workflowIds,
      RULE_REFRESH_SECONDS: '10',
    },
    rulesApi: { ...store, STATE_TABLE: stateTable.tableName, ...workflowIds },
    replayStart: machines,
  };
  return {
    project,
    eventsTable,
    stateTable,
    stateMachines,
    bus,
    busTarget,
    ingestDeadLetterQueue,
    routerFailureQueue,
    kinesisStream,
    replayDriverArn: replayDriverArn as string,
    replayTargets,
    replayDeadLetterQueue,
    env,
  };
}
