/**
 * The router: a Lambda on the Events table's stream that matches each inserted event against the
 * rules and starts the workflows (exactly once, recorded in the State table), feeds multi-event joins,
 * completes waiting workflows and marks the event routed. Rules are bundled into the code at synth;
 * state machine ARNs arrive in `STATE_MACHINE_ARNS`, their types in `WORKFLOW_TYPES`. Records that
 * keep failing end up in an encrypted SQS queue (and their events stay unrouted, for the sweeper).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, type DynamoEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { DEFAULT_RETENTION_DAYS, EVENT_KEY_PREFIX, EVENTS_TABLE } from '../lambdas/layout/events-table.js';
import type { Rule, WorkflowType } from '../lambdas/core/index.js';
import { createFailureQueue, grantKeyUse, QueueOnFailure } from './encryption.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';

/** The router function's `service` (its logs and its metrics' dimension). */
export const ROUTER_SERVICE = 'edwe-router';
/** Records a mapping hands one router invocation. */
export const ROUTER_BATCH_SIZE = 100;
/** Invocations per stream shard at once: records of one key (one event) stay in order, different events run side by side. */
export const ROUTER_PARALLELIZATION = 5;
/** Events one invocation routes at once (lambdas/aws/streams/router.ts `ROUTE_CONCURRENCY`). */
const ROUTE_CONCURRENCY = 10;
/**
 * The most one event's routing may take: a start retried in the batch (3 tries, up to 1 s apart)
 * with the SDK's own retries, a join, a waiter, the mark — about 6 s when every dependency is slow.
 */
const WORST_ROUTE_SECONDS = 6;

/**
 * The router's timeout, sized against its mapping: the batch's events in rounds of ROUTE_CONCURRENCY,
 * each round at worst WORST_ROUTE_SECONDS, plus 10 s to start and report; a timed-out batch would be
 * retried whole, so the timeout must cover the worst batch rather than the usual one.
 */
export function routerTimeout(batchSize: number): Duration {
  return Duration.seconds(Math.ceil(batchSize / ROUTE_CONCURRENCY) * WORST_ROUTE_SECONDS + 10);
}

/** What routing an event takes, shared by the router and the sweeper. */
export interface RoutingProps {
  /** The Events table; it must have a stream (for the router). */
  readonly table: dynamodb.ITable;
  /** The rules to route by; bundled into the function's code. */
  readonly rules: readonly Rule[];
  /** Workflow id → its state machine: the only ones the router may start and whose tasks it may complete. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /**
   * The ARN every machine of `stateMachines` starts with, the workflow id completing it (lib/workflows.ts
   * `workflowArnPrefix`): handed to the function instead of the ARNs themselves, which at 30 workflows
   * would fill most of Lambda's 4 KB environment. Default: the ARNs, in STATE_MACHINE_ARNS.
   */
  readonly stateMachineArnPrefix?: string;
  /** Workflow id → STANDARD or EXPRESS (Express starts are guarded by their record). Default: all STANDARD. */
  readonly workflowTypes?: Readonly<Record<string, WorkflowType>>;
  /** The State table: execution records, joins and waiters. */
  readonly stateTable: dynamodb.ITable;
  /** The tables' key (also the state machines' and the log group's). */
  readonly encryptionKey?: kms.IKey;
  /** Days an execution record is kept (the event retention). Default 30. */
  readonly retentionDays?: number;
  /** The latency objective (`real_time_execution.max_latency`): starts later than this after receipt are counted. */
  readonly startLatencyObjectiveMs?: number;
  /**
   * With managed rules (lib/rules-api.ts): the most seconds the function may route by rules older than the
   * State table's (it reads the set's revision at most once per period). Unset: the bundled rules only.
   */
  readonly ruleRefreshSeconds?: number;
  /**
   * Correlation metrics (docs/operations.md, "Correlation metrics on AWS"): routing counts each event in its correlation's
   * activity item, the sweeper's pass closes the idle ones. `false`: neither (the State table's index stays). Default true.
   */
  readonly correlationMetrics?: boolean;
  /** How long the function's logs are kept. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Merged over the function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

export interface RouterProps extends RoutingProps {
  /** Where records go after their retries. Default: a new queue encrypted with `encryptionKey` (else SQS-managed), TLS only, kept 14 days. */
  readonly failureQueue?: sqs.IQueue;
  /**
   * Merged over the event source defaults (per-record failures, bisect, 5 retries, 1 h). The INSERT filter
   * is not overridable: Lambda ORs filters, so any added filter would let other records through.
   */
  readonly eventSourceProps?: Omit<Partial<DynamoEventSourceProps>, 'filters'>;
}

/** STATE_MACHINE_ARN_PREFIX when the machines share one, else STATE_MACHINE_ARNS (workflow id → ARN). */
export function machinesEnvironment(scope: Construct, machines: ReadonlyMap<string, sfn.IStateMachine>, prefix: string | undefined): Record<string, string> {
  if (prefix !== undefined) return { [ENV.STATE_MACHINE_ARN_PREFIX]: prefix };
  const arns = Object.fromEntries([...machines].map(([workflowId, machine]) => [workflowId, machine.stateMachineArn]));
  return { [ENV.STATE_MACHINE_ARNS]: Stack.of(scope).toJsonString(arns) };
}

/** The props of a routing function: rules in the bundle, its environment (the marks' table included), its logs. */
export function routingFunctionProps(scope: Construct, props: RoutingProps, extra: Partial<EdweFunctionProps>): Partial<EdweFunctionProps> {
  return {
    ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }),
    ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    ...extra,
    ...props.functionProps,
    bundling: {
      ...props.functionProps?.bundling,
      // A JS string literal holding the rules' JSON; a rule change changes the bundle and so the function.
      define: { ...props.functionProps?.bundling?.define, __EDWE_RULES__: JSON.stringify(JSON.stringify(props.rules)) },
    },
    environment: {
      ...machinesEnvironment(scope, props.stateMachines, props.stateMachineArnPrefix),
      [ENV.WORKFLOW_TYPES]: JSON.stringify(props.workflowTypes ?? {}),
      [ENV.STATE_TABLE]: props.stateTable.tableName,
      [ENV.EVENTS_TABLE]: props.table.tableName,
      [ENV.RETENTION_DAYS]: String(props.retentionDays ?? DEFAULT_RETENTION_DAYS),
      ...(props.startLatencyObjectiveMs === undefined ? {} : { [ENV.START_LATENCY_OBJECTIVE_MS]: String(props.startLatencyObjectiveMs) }),
      ...(props.ruleRefreshSeconds === undefined ? {} : { [ENV.RULE_REFRESH_SECONDS]: String(props.ruleRefreshSeconds) }),
      // Only when off: a default stack's functions keep the environment they had before the switch existed.
      ...(props.correlationMetrics === false ? { [ENV.CORRELATION_METRICS]: 'off' } : {}),
      ...extra.environment,
      ...props.functionProps?.environment,
    },
  };
}

/**
 * What a routing function may do: start the engine's state machines and complete their tasks; keep
 * execution records, joins and waiters; mark events routed — an UpdateItem of the Events table that
 * may touch no attribute but the key, `routedAt` and `unrouted` (plus `extraAttributes`).
 */
export function grantRouting(fn: lambda.IFunction, props: RoutingProps, extraAttributes: readonly string[] = []): void {
  const machineArns = [...props.stateMachines.values()].map((machine) => machine.stateMachineArn);
  if (machineArns.length > 0) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'StartWorkflowExecutions', actions: ['states:StartExecution'], resources: machineArns }));
    // A task token's resource is the state machine that issued it.
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'CompleteWaitingTasks', actions: ['states:SendTaskSuccess'], resources: machineArns }));
  }
  // Execution records (conditional put, end update, claim release), join items and waiters: item
  // operations and queries of the base table; the indexes are the query API's. (With managed rules, the
  // set's revision and the rules are read by the same GetItem and Query.)
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'KeepExecutionsJoinsAndWaiters',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      resources: [props.stateTable.tableArn],
    }),
  );
  // The Events table is append-only for everyone else; routing may set its own marks and nothing more.
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'MarkEventsRouted',
      actions: ['dynamodb:UpdateItem'],
      resources: [props.table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': {
          'dynamodb:Attributes': [EVENTS_TABLE.partitionKey, EVENTS_TABLE.routedAttribute, EVENTS_TABLE.byUnrouted.partitionKey, ...extraAttributes],
        },
      },
    }),
  );
  // The tables' key, which is also the state machines' (StartExecution and SendTaskSuccess encrypt their input).
  grantKeyUse(props.encryptionKey, fn, 'encrypt-decrypt');
}

/**
 * @example new Router(this, 'Router', { table: store.table, rules: project.rules, stateMachines: workflows.stateMachines, stateTable, encryptionKey })
 */
export class Router extends Construct {
  public readonly routerFunction: NodejsFunction;
  public readonly failureQueue: sqs.IQueue;
  public readonly eventSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: RouterProps) {
    super(scope, id);
    const batchSize = props.eventSourceProps?.batchSize ?? ROUTER_BATCH_SIZE;
    this.routerFunction = createFunction(this, 'RouterFunction', {
      entry: handlerEntry('router'),
      serviceName: ROUTER_SERVICE,
      description: 'edwe: routes stored events to workflows by the rules',
      ...routingFunctionProps(this, props, { timeout: routerTimeout(batchSize), invocation: 'stream' }),
    });
    grantRouting(this.routerFunction, props);

    this.failureQueue = props.failureQueue ?? createFailureQueue(this, 'FailureQueue', props.encryptionKey, "the router's stream mapping and the sweeper");

    this.eventSource = new DynamoEventSource(props.table, {
      // From the oldest record: events stored before the mapping existed are routed too.
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize,
      parallelizationFactor: ROUTER_PARALLELIZATION,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 5,
      maxRecordAge: Duration.hours(1),
      onFailure: new QueueOnFailure(this.failureQueue),
      ...props.eventSourceProps,
      // Only inserts of events are events arriving; TTL deletions (REMOVE), the router's own marks (MODIFY) and
      // hour marks (items keyed `HOURS#…`, lambdas/aws/event-hour-marks.ts) must never start a workflow.
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.isEqual('INSERT'),
          dynamodb: { Keys: { [EVENTS_TABLE.partitionKey]: { S: lambda.FilterRule.beginsWith(EVENT_KEY_PREFIX) } } },
        }),
      ],
    });
    this.routerFunction.addEventSource(this.eventSource);
  }
}
