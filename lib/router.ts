/**
 * The router: a Lambda on the Events table's stream that matches each inserted event against the
 * rules and starts the workflows (exactly once, recorded in the State table), feeds multi-event joins
 * and completes waiting workflows. Rules are bundled into the code at synth; state machine ARNs arrive
 * in `STATE_MACHINE_ARNS`, their types in `WORKFLOW_TYPES`. Records that keep failing end up in an
 * encrypted SQS queue.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, type DynamoEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DEFAULT_RETENTION_DAYS } from '../lambdas/aws/events-table.js';
import type { Rule, WorkflowType } from '../lambdas/core/index.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';

export interface RouterProps {
  /** The Events table; it must have a stream. */
  readonly table: dynamodb.ITable;
  /** The rules to route by; bundled into the router's code. */
  readonly rules: readonly Rule[];
  /** Workflow id → its state machine: the only ones the router may start and whose tasks it may complete. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** Workflow id → STANDARD or EXPRESS (Express starts are guarded by their record). Default: all STANDARD. */
  readonly workflowTypes?: Readonly<Record<string, WorkflowType>>;
  /** The State table: execution records, joins and waiters. */
  readonly stateTable: dynamodb.ITable;
  /** The State table's key. */
  readonly encryptionKey?: kms.IKey;
  /** Days an execution record is kept (the event retention). Default 30. */
  readonly retentionDays?: number;
  /** Where records go after their retries. Default: a new SQS-encrypted, TLS-only queue kept 14 days. */
  readonly failureQueue?: sqs.IQueue;
  /**
   * Merged over the event source defaults (per-record failures, bisect, 5 retries, 1 h). The INSERT filter
   * is not overridable: Lambda ORs filters, so any added filter would let other records through.
   */
  readonly eventSourceProps?: Omit<Partial<DynamoEventSourceProps>, 'filters'>;
  /** Merged over the router function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new Router(this, 'Router', { table: store.table, rules: project.rules, stateMachines: workflows.stateMachines })
 */
export class Router extends Construct {
  public readonly routerFunction: NodejsFunction;
  public readonly failureQueue: sqs.IQueue;
  public readonly eventSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: RouterProps) {
    super(scope, id);
    const arns = Object.fromEntries([...props.stateMachines].map(([workflowId, machine]) => [workflowId, machine.stateMachineArn]));

    this.routerFunction = createFunction(this, 'RouterFunction', {
      entry: handlerEntry('router'),
      serviceName: 'edwe-router',
      description: 'edwe: routes stored events to workflows by the rules',
      timeout: Duration.seconds(60),
      ...props.functionProps,
      bundling: {
        ...props.functionProps?.bundling,
        // A JS string literal holding the rules' JSON; a rule change changes the bundle and so the function.
        define: { ...props.functionProps?.bundling?.define, __EDWE_RULES__: JSON.stringify(JSON.stringify(props.rules)) },
      },
      environment: {
        STATE_MACHINE_ARNS: Stack.of(this).toJsonString(arns),
        WORKFLOW_TYPES: JSON.stringify(props.workflowTypes ?? {}),
        STATE_TABLE: props.stateTable.tableName,
        RETENTION_DAYS: String(props.retentionDays ?? DEFAULT_RETENTION_DAYS),
        ...props.functionProps?.environment,
      },
    });

    const machineArns = Object.values(arns);
    if (machineArns.length > 0) {
      this.routerFunction.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'StartWorkflowExecutions', actions: ['states:StartExecution'], resources: machineArns }),
      );
      // A task token's resource is the state machine that issued it.
      this.routerFunction.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'CompleteWaitingTasks', actions: ['states:SendTaskSuccess'], resources: machineArns }),
      );
    }
    // Execution records (conditional put, end update, claim release), join items and waiters: item
    // operations and queries of the base table; the indexes are the query API's.
    this.routerFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KeepExecutionsJoinsAndWaiters',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        resources: [props.stateTable.tableArn],
      }),
    );
    props.encryptionKey?.grantEncryptDecrypt(this.routerFunction);

    this.failureQueue =
      props.failureQueue ??
      new sqs.Queue(this, 'FailureQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });

    this.eventSource = new DynamoEventSource(props.table, {
      // From the oldest record: events stored before the mapping existed are routed too.
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 5,
      maxRecordAge: Duration.hours(1),
      onFailure: new SqsDlq(this.failureQueue),
      ...props.eventSourceProps,
      // Only inserts are events arriving; TTL deletions (REMOVE) must never start a workflow.
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
    });
    this.routerFunction.addEventSource(this.eventSource);
  }
}
