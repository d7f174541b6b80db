/**
 * Workflow lifecycle on AWS (docs/workflows.md, "Lifecycle events"): a rule on the account's
 * default bus — where Step Functions sends "Execution Status Change" events — matching the engine's
 * own state machines, and the lifecycle Lambda it invokes, which updates the execution record and
 * stores `workflow.*` events in the Events table so that rules can chain workflows.
 *
 * Step Functions sends these events for STANDARD workflows only: EXPRESS executions keep the
 * status their record was given at the start (see docs/workflows.md).
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
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { DEFAULT_RETENTION_DAYS } from '../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { grantKeyUse, QueueOnFailure } from './encryption.js';
import { createDeadLetterQueue } from './ingest-function.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';
import { machinesEnvironment } from './router.js';

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
      environment: {
        [ENV.EVENTS_TABLE]: props.eventsTable.tableName,
        [ENV.STATE_TABLE]: props.stateTable.tableName,
        [ENV.RETENTION_DAYS]: String(props.retentionDays ?? DEFAULT_RETENTION_DAYS),
        ...machinesEnvironment(this, props.stateMachines, props.stateMachineArnPrefix),
        ...props.functionProps?.environment,
      },
    });
    // Lifecycle events are appended like any other event: put, and get to tell a duplicate from a conflict.
    this.lifecycleFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StoreLifecycleEvents', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [props.eventsTable.tableArn] }),
    );
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
    this.lifecycleFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new QueueOnFailure(this.deadLetterQueue),
    });

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
