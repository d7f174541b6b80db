/**
 * The router: a Lambda on the Events table's stream that matches each inserted event against the
 * rules and starts the workflows. Rules are bundled into the code at synth; state machine ARNs
 * arrive in `STATE_MACHINE_ARNS`. Records that keep failing end up in an encrypted SQS queue.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, type DynamoEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Rule } from '../lambdas/core/index.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';

export interface RouterProps {
  /** The Events table; it must have a stream. */
  readonly table: dynamodb.ITable;
  /** The rules to route by; bundled into the router's code. */
  readonly rules: readonly Rule[];
  /** Workflow id → its state machine: the only ones the router may start. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
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
      environment: { STATE_MACHINE_ARNS: Stack.of(this).toJsonString(arns), ...props.functionProps?.environment },
    });

    const machineArns = Object.values(arns);
    if (machineArns.length > 0) {
      this.routerFunction.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'StartWorkflowExecutions', actions: ['states:StartExecution'], resources: machineArns }),
      );
    }

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
