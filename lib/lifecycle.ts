/**
 * Workflow lifecycle on AWS (docs/workflows.md, "Lifecycle events"): a rule on the account's
 * default bus — where Step Functions sends "Execution Status Change" events — matching the engine's
 * own state machines, and the lifecycle Lambda it invokes, which updates the execution record and
 * stores `workflow.*` events in the Events table so that rules can chain workflows.
 *
 * Step Functions sends these events for STANDARD workflows only: for EXPRESS workflows the same
 * function is subscribed to each machine's log group, filtered to the records of an execution's start
 * and end (lambdas/layout/express-logs.ts), so both types end their records the same way.
 *
 * Two failure paths end in the dead-letter queue: events EventBridge cannot deliver (after the
 * target's retries), and events the function keeps failing (after Lambda's asynchronous retries).
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Rule, WorkflowType } from '../lambdas/core/index.js';
import { ENV } from '../lambdas/layout/environment.js';
import { EXPRESS_LIFECYCLE_FILTER_PATTERN } from '../lambdas/layout/express-logs.js';
import { DEFAULT_RETENTION_DAYS } from '../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { grantKeyUse, QueueOnFailure } from './encryption.js';
import { createDeadLetterQueue } from './ingest-function.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';
import { machinesEnvironment } from './router.js';
import { grantManagedRules } from './rules-api.js';
import { markHoursStatements } from './hour-marks-grants.js';

/** What Step Functions puts on the default bus when an execution changes status. */
export const STATUS_CHANGE = { source: 'aws.states', detailType: 'Step Functions Execution Status Change' } as const;

export interface LifecycleProps {
  /** Workflow id → state machine: only these machines' status changes are taken in. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /**
   * The ARN every machine of `stateMachines` starts with, the workflow id completing it (lib/workflows.ts
   * `workflowArnPrefix`): handed to the function instead of the ARNs themselves, which at 30 workflows
   * would fill most of Lambda's 4 KB environment. Default: the ARNs, in STATE_MACHINE_ARNS.
   */
  readonly stateMachineArnPrefix?: string;
  /** Where lifecycle events are stored (and from where the router's stream routes them). */
  readonly eventsTable: dynamodb.ITable;
  /**
   * Workflow id → log group of each EXPRESS state machine (logging at level ALL, execution data
   * included): the lifecycle function is subscribed to its start and end records. Default: none.
   */
  readonly expressLogGroups?: ReadonlyMap<string, logs.ILogGroup>;
  /** Where execution records are kept. */
  readonly stateTable: dynamodb.ITable;
  /** The tables' key. */
  readonly encryptionKey?: kms.IKey;
  /** Days a lifecycle event is kept. Default 30. */
  readonly retentionDays?: number;
  /** Where undeliverable and failing status changes go. Default: a new encrypted, TLS-only queue kept 14 days. */
  readonly deadLetterQueue?: sqs.IQueue;
  /** How long the function's logs are kept. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The rules, bundled into the function as the router's are (lib/router.ts): the end of an execution of a rule with
   * `concurrency` frees its slot and may start the key's next waiting trigger (lib/flow-control.ts `grantRelease`). Default: none.
   */
  readonly rules?: readonly Rule[];
  /**
   * With managed rules (lib/rules-api.ts): as the router's (lib/router.ts `RoutingProps.ruleRefreshSeconds`), so that a
   * managed rule's concurrency slots are released too. Unset: the bundled rules only.
   */
  readonly ruleRefreshSeconds?: number;
  /** Workflow id → STANDARD or EXPRESS, for the starts a freed slot makes. Default: all STANDARD. */
  readonly workflowTypes?: Readonly<Record<string, WorkflowType>>;
  /** Merged over the function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new Lifecycle(this, 'Lifecycle', { stateMachines: workflows.stateMachines, eventsTable, stateTable, encryptionKey })
 */
export class Lifecycle extends Construct {
  public readonly rule: events.Rule;
  public readonly lifecycleFunction: NodejsFunction;
  public readonly deadLetterQueue: sqs.IQueue;
  /** Workflow id → the subscription of the lifecycle function to that Express workflow's log group. */
  public readonly expressSubscriptions = new Map<string, logs.SubscriptionFilter>();

  constructor(scope: Construct, id: string, props: LifecycleProps) {
    super(scope, id);
    if (props.stateMachines.size === 0) throw new Error(`${id}: there are no state machines whose status changes to follow`);
    const arns = Object.fromEntries([...props.stateMachines].map(([workflowId, machine]) => [workflowId, machine.stateMachineArn]));
    this.deadLetterQueue = props.deadLetterQueue ?? createDeadLetterQueue(this, 'DeadLetterQueue', props.encryptionKey, 'the lifecycle rule and function');

    this.lifecycleFunction = createFunction(this, 'LifecycleFunction', {
      entry: handlerEntry('lifecycle'),
      serviceName: 'edwe-lifecycle',
      description: 'edwe: records workflow status changes and stores them as workflow.* events',
      invocation: 'async',
      ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...props.functionProps,
      ...(props.rules === undefined
        ? {}
        : {
            bundling: { ...props.functionProps?.bundling, define: { ...props.functionProps?.bundling?.define, __EDWE_RULES__: JSON.stringify(JSON.stringify(props.rules)) } },
          }),
      environment: {
        ...(props.workflowTypes === undefined ? {} : { [ENV.WORKFLOW_TYPES]: JSON.stringify(props.workflowTypes) }),
        [ENV.EVENTS_TABLE]: props.eventsTable.tableName,
        [ENV.STATE_TABLE]: props.stateTable.tableName,
        [ENV.RETENTION_DAYS]: String(props.retentionDays ?? DEFAULT_RETENTION_DAYS),
        ...(props.rules === undefined || props.ruleRefreshSeconds === undefined ? {} : { [ENV.RULE_REFRESH_SECONDS]: String(props.ruleRefreshSeconds) }),
        ...machinesEnvironment(this, props.stateMachines, props.stateMachineArnPrefix),
        ...props.functionProps?.environment,
      },
    });
    // Lifecycle events are appended like any other event: put, and get to tell a duplicate from a conflict.
    this.lifecycleFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StoreLifecycleEvents', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [props.eventsTable.tableArn] }),
    );
    for (const statement of markHoursStatements(props.eventsTable)) this.lifecycleFunction.addToRolePolicy(statement);
    // Execution records only (`EXEC#…` keys): read, create when the status change outran the router, end.
    this.lifecycleFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'UpdateExecutionRecords',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.stateTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.execution}*`] } },
      }),
    );
    grantKeyUse(props.encryptionKey, this.lifecycleFunction, 'encrypt-decrypt');
    // The managed rules' revision, and the rules when it moved: read as the router reads them.
    if (props.rules !== undefined && props.ruleRefreshSeconds !== undefined)
      grantManagedRules(this.lifecycleFunction, props.stateTable, ['dynamodb:GetItem', 'dynamodb:Query']);
    this.lifecycleFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new QueueOnFailure(this.deadLetterQueue),
    });

    // CloudWatch Logs invokes the function asynchronously, as EventBridge does: the same retries and
    // dead-letter queue. LambdaDestination adds the invoke permission for logs.amazonaws.com, limited
    // to that log group (SourceArn).
    for (const [workflowId, logGroup] of props.expressLogGroups ?? []) {
      const subscription = new logs.SubscriptionFilter(this, `${workflowId}ExpressLifecycle`, {
        logGroup,
        destination: new LambdaDestination(this.lifecycleFunction),
        filterPattern: logs.FilterPattern.literal(EXPRESS_LIFECYCLE_FILTER_PATTERN),
        filterName: 'edwe-express-lifecycle',
      });
      this.expressSubscriptions.set(workflowId, subscription);
    }

    this.rule = new events.Rule(this, 'StatusChanges', {
      description: "edwe: status changes of the engine's state machines, to the lifecycle function",
      eventPattern: {
        source: [STATUS_CHANGE.source],
        detailType: [STATUS_CHANGE.detailType],
        // One prefix, not a list of ARNs that grows with the workflows (a pattern is at most 4,096 characters).
        detail: { stateMachineArn: props.stateMachineArnPrefix === undefined ? Object.values(arns) : events.Match.prefix(props.stateMachineArnPrefix) },
      },
      targets: [
        new targets.LambdaFunction(this.lifecycleFunction, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
