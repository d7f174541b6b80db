/**
 * The engine's AWS resources, created on moto from the same sources of truth the CDK constructs read:
 * the table layouts (lambdas/layout/events-table.ts, state-table.ts), the project's workflows (ASL with
 * `${Task}` placeholders substituted, as `definitionSubstitutions` does on deploy), the replay driver
 * (lib/replay-driver.ts), the engine's own event sources (ENGINE_SOURCES, REPLAY_SOURCE) and the
 * settings each construct fixes inline (stream view, the router's INSERT filter, the bus rules'
 * patterns). `test/aws/one-source-of-truth.test.ts` checks all of it against the synthesized
 * template, so a construct that changes without this file fails the tier.
 */
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { CreateStateMachineCommand, type CreateStateMachineCommandInput } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { EVENTS_TABLE, DEFAULT_RETENTION_DAYS } from '../../../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../../../lambdas/layout/state-table.js';
import { compilePattern, REPLAY_SOURCE, substitutePlaceholders, taskFileName, type WorkflowDefinition } from '../../../lambdas/core/index.js';
import { defaultPaths, loadProject, type Project } from '../../../lambdas/project/load-project.js';
import { ENGINE_SOURCES } from '../../../lib/bus-ingestion.js';
import { DEFAULT_REPLAY_MAX_RATE } from '../../../lib/replay.js';
import { replayDriverDefinition } from '../../../lib/replay-driver.js';
import { ACCOUNT, REGION, type AwsClients } from './aws-clients.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The repository's project (rules/, workflows/), loaded and checked as `cdk synth` loads it. */
export const repositoryProject = (): Project => loadProject(defaultPaths(ROOT));

// ---- settings the constructs fix inline (lib/event-store.ts, lib/router.ts, lib/bus-ingestion.ts, lib/kinesis-ingestion.ts)

/** The Events table streams new images: the router reads the stored event from `NewImage`. */
export const EVENTS_STREAM_VIEW = 'NEW_IMAGE';

/** The router's event source filter: only inserts are events arriving (a TTL deletion must start nothing). */
export const ROUTER_STREAM_FILTER = { eventName: ['INSERT'] };

/** The router's event source mapping: batch size and retries before a batch goes to the failure queue. */
export const ROUTER_EVENT_SOURCE = { batchSize: 100, retryAttempts: 5 } as const;

/**
 * The engine bus's forwarding rule: everything but the engine's own sources, as
 * `Match.anythingBut(...ENGINE_SOURCES)` renders it. The pattern itself is written inline in
 * lib/bus-ingestion.ts; only ENGINE_SOURCES is shared, so the shape is checked against the template.
 */
export const FORWARD_TO_ENGINE_PATTERN = { source: [{ 'anything-but': [...ENGINE_SOURCES] }] };

/**
 * The bus rule that hands one workflow's replayed events to the replay start function. Written inline
 * in lib/replay.ts; only REPLAY_SOURCE (core) is shared, so the shape is checked against the template.
 */
export const replayRulePattern = (workflowId: string) => ({ source: [REPLAY_SOURCE], detail: { workflowId: [workflowId] } });

/** A Kinesis source as `KinesisIngestion` builds it without configuration: on demand, kept 24 hours. */
export const KINESIS_STREAM_DEFAULTS = { mode: 'ON_DEMAND', retentionHours: 24 } as const;

// ---- tables

interface KeyedIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

function tableDefinition(
  tableName: string,
  key: { partitionKey: string; sortKey?: string },
  indexes: readonly KeyedIndex[],
  streamView?: 'NEW_IMAGE',
): CreateTableCommandInput {
  const attributes = new Set([key.partitionKey, ...(key.sortKey === undefined ? [] : [key.sortKey]), ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
  const globalIndexes: GlobalSecondaryIndex[] = indexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    // The constructs project everything (replay, timelines and execution lists read whole items),
    // except the sweeper's sparse index, which only needs the keys.
    Projection: { ProjectionType: index.indexName === EVENTS_TABLE.byUnrouted.indexName ? 'KEYS_ONLY' : 'ALL' },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [{ AttributeName: key.partitionKey, KeyType: 'HASH' }, ...(key.sortKey === undefined ? [] : [{ AttributeName: key.sortKey, KeyType: 'RANGE' as const }])],
    GlobalSecondaryIndexes: globalIndexes,
    ...(streamView === undefined ? {} : { StreamSpecification: { StreamEnabled: true, StreamViewType: streamView } }),
  };
}

/** The Events table as lib/event-store.ts declares it. */
export const eventsTableDefinition = (tableName: string): CreateTableCommandInput =>
  tableDefinition(tableName, { partitionKey: EVENTS_TABLE.partitionKey }, [EVENTS_TABLE.byTime, EVENTS_TABLE.byCorrelation, EVENTS_TABLE.byUnrouted], EVENTS_STREAM_VIEW);

/** The State table as lib/state-table.ts declares it. */
export const stateTableDefinition = (tableName: string): CreateTableCommandInput =>
  tableDefinition(tableName, { partitionKey: STATE_TABLE.partitionKey, sortKey: STATE_TABLE.sortKey }, [STATE_TABLE.byEvent, STATE_TABLE.byCorrelation]);

/** Creates a table and turns its TTL on; answers its stream ARN when it has one. */
async function createTable(clients: AwsClients, definition: CreateTableCommandInput, ttlAttribute: string): Promise<{ tableName: string; streamArn?: string }> {
  const { TableDescription } = await clients.dynamodb.send(new CreateTableCommand(definition));
  await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: definition.TableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }));
  const streamArn = TableDescription?.LatestStreamArn;
  return { tableName: definition.TableName as string, ...(streamArn === undefined ? {} : { streamArn }) };
}

export async function createEventsTable(clients: AwsClients, tableName: string): Promise<{ tableName: string; streamArn: string }> {
  const { streamArn } = await createTable(clients, eventsTableDefinition(tableName), EVENTS_TABLE.ttlAttribute);
  if (streamArn === undefined) throw new Error(`the Events table ${tableName} was created without a stream`);
  return { tableName, streamArn };
}

export async function createStateTable(clients: AwsClients, tableName: string): Promise<{ tableName: string }> {
  await createTable(clients, stateTableDefinition(tableName), STATE_TABLE.ttlAttribute);
  return { tableName };
}

// ---- workflows

/** What stands in for a task function's ARN (the CDK app substitutes the deployed function's). */
export const taskFunctionArn = (task: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:edwe-task-${taskFileName(task)}`;

/** One CreateStateMachine per workflow: its ASL with `${Task}` → task function ARN, its type from the settings. */
export function stateMachineDefinitions(workflows: ReadonlyMap<string, WorkflowDefinition>): CreateStateMachineCommandInput[] {
  return [...workflows.values()].map((workflow) => ({
    name: workflow.id,
    definition: substitutePlaceholders(workflow.definition, taskFunctionArn),
    type: workflow.settings.type,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/edwe-workflow-${workflow.id}`,
  }));
}

/** `${Key}` → `values[Key]`, as CloudFormation's DefinitionSubstitutions do; a placeholder without a value is an error. */
export function substituteDefinition(definition: string, values: Readonly<Record<string, string>>): string {
  return substitutePlaceholders(definition, (key) => {
    const value = values[key];
    if (value === undefined) throw new Error(`no value for the placeholder \${${key}}`);
    return value;
  });
}

/** The values lib/replay.ts substitutes into the replay driver's definition. */
export const REPLAY_DRIVER_SUBSTITUTIONS = ['ReplayPageFunctionArn', 'StateTableName'] as const;

/** The replay driver (lib/replay-driver.ts) with its placeholders substituted. */
export const replayDriverStateMachine = (values: Record<(typeof REPLAY_DRIVER_SUBSTITUTIONS)[number], string>): CreateStateMachineCommandInput => ({
  name: 'edwe-replay-driver',
  definition: substituteDefinition(JSON.stringify(replayDriverDefinition(), null, 2), values),
  type: 'STANDARD',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/edwe-replay-driver`,
});

/** Creates the project's state machines; answers workflow id → ARN (what the router gets as STATE_MACHINE_ARNS). */
export async function createStateMachines(clients: AwsClients, workflows: ReadonlyMap<string, WorkflowDefinition>): Promise<Map<string, string>> {
  const arns = new Map<string, string>();
  for (const definition of stateMachineDefinitions(workflows)) {
    const { stateMachineArn } = await clients.sfn.send(new CreateStateMachineCommand(definition));
    arns.set(definition.name as string, stateMachineArn as string);
  }
  return arns;
}

// ---- queues, bus, rules, streams

export interface Queue {
  url: string;
  arn: string;
}

export async function createQueue(clients: AwsClients, name: string): Promise<Queue> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
}

export interface BusRule {
  bus: string;
  name: string;
  pattern: unknown;
  /** The target's ARN: here always an SQS queue standing in for the real target. */
  targetArn: string;
}

/**
 * Puts a rule with one target. The pattern is compiled by the engine's own matcher first: moto does
 * not reject an invalid pattern, and one bad rule makes every later PutEvents on its bus fail.
 */
export async function putRule(clients: AwsClients, rule: BusRule): Promise<void> {
  compilePattern(rule.pattern);
  await clients.eventBridge.send(new PutRuleCommand({ Name: rule.name, EventBusName: rule.bus, EventPattern: JSON.stringify(rule.pattern), State: 'ENABLED' }));
  await clients.eventBridge.send(new PutTargetsCommand({ Rule: rule.name, EventBusName: rule.bus, Targets: [{ Id: 'target', Arn: rule.targetArn }] }));
}

/** The engine bus and its forwarding rule, whose target (the EventBridge ingest Lambda on AWS) is `target`. */
export async function createEngineBus(clients: AwsClients, busName: string, target: Queue): Promise<{ busName: string; busArn: string; forwardRule: string }> {
  const { EventBusArn } = await clients.eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const forwardRule = 'ForwardToEngine';
  await putRule(clients, { bus: busName, name: forwardRule, pattern: FORWARD_TO_ENGINE_PATTERN, targetArn: target.arn });
  return { busName, busArn: EventBusArn as string, forwardRule };
}

export async function createKinesisStream(clients: AwsClients, streamName: string): Promise<{ streamName: string; streamArn: string }> {
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: streamName, StreamModeDetails: { StreamMode: KINESIS_STREAM_DEFAULTS.mode } }));
  const { StreamDescriptionSummary } = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  return { streamName, streamArn: StreamDescriptionSummary?.StreamARN as string };
}

// ---- the whole engine

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

  const retention = { RETENTION_DAYS: String(DEFAULT_RETENTION_DAYS) };
  const store = { EVENTS_TABLE: eventsTable.tableName, ...retention };
  const state = { STATE_TABLE: stateTable.tableName, ...retention };
  const machines = { STATE_MACHINE_ARNS: JSON.stringify(Object.fromEntries(stateMachines)) };
  const rate = { REPLAY_MAX_RATE: String(DEFAULT_REPLAY_MAX_RATE) };
  const env: FunctionEnvironments = {
    ingestHttp: store,
    query: { ...store, STATE_TABLE: stateTable.tableName },
    ingestKinesis: { ...store, DEAD_LETTER_QUEUE_URL: ingestDeadLetterQueue.url },
    ingestEventBridge: { ...store, DEAD_LETTER_QUEUE_URL: ingestDeadLetterQueue.url },
    router: {
      ...store,
      ...state,
      ...machines,
      WORKFLOW_TYPES: JSON.stringify(Object.fromEntries([...project.workflows.values()].map((w) => [w.id, w.settings.type]))),
    },
    waitForEventTask: { ...store, ...state },
    replaysApi: { ...state, ...rate, WORKFLOW_IDS: [...project.workflows.keys()].join(','), REPLAY_DRIVER_ARN: replayDriverArn as string },
    replayPage: {
      EVENTS_TABLE: eventsTable.tableName,
      STATE_TABLE: stateTable.tableName,
      ...rate,
      EVENT_BUS_NAME: bus.busName,
      DEAD_LETTER_QUEUE_URL: replayDeadLetterQueue.url,
    },
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
