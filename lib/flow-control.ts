/**
 * Flow control on AWS (docs/rules.md, "Flow control"; docs/operations.md, "The wake-up queue"): the
 * queue its wake-ups are delayed on (lambdas/aws/sqs-wake-ups.ts) and the function that consumes them
 * (lambdas/handlers/flow-wake.ts), which hands each due wake-up to the flow-control application — it
 * starts what a debounce, throttle or batch let through. Per-key state lives in the State table.
 * Also the grants the other functions need: scheduling wake-ups, and stopping executions (`cancelOn`).
 */
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { createFailureQueue, grantKeyUse, grantSendToQueue } from './encryption.js';
import { createFunction, handlerEntry } from './lambda-defaults.js';
import { routingFunctionProps, type RoutingProps } from './router.js';
import { workflowNamePrefix } from './workflows.js';
import { markHoursStatements } from './hour-marks-grants.js';

/** The wake-up function's `service`. */
export const FLOW_WAKE_SERVICE = 'edwe-flow-wake';
/** Messages one invocation takes (SQS's most without a batching window): ten wake-ups, each at most a start. */
export const FLOW_WAKE_BATCH_SIZE = 10;
/** Receives of one wake-up before it goes to the dead-letter queue. */
export const FLOW_WAKE_MAX_RECEIVES = 5;
/** The function's timeout: ten wakes side by side, each a few State table calls and at most one start retried a few times. */
const FLOW_WAKE_TIMEOUT = Duration.seconds(30);
/** How long a received wake-up stays hidden: Lambda's advice for a queue it polls, six times the function's timeout. */
export const FLOW_WAKE_VISIBILITY_TIMEOUT = Duration.seconds(FLOW_WAKE_TIMEOUT.toSeconds() * 6);
/**
 * The age of the wake-up queue's oldest message past which its alarm fires (docs/operations.md, "Wake-ups run late").
 * SQS counts a message's age from when it was sent, so a wake-up's delay is part of it: one delayed the longest SQS
 * allows (15 minutes) is 15 minutes old when it comes due. On top of that, one failed receive (the visibility timeout, 3
 * minutes) and 2 minutes of slack: 20 minutes means the consumer is at least 5 minutes behind a wake-up's latest due time.
 */
export const FLOW_WAKE_MAX_AGE = Duration.minutes(20);

/** Every execution of `scope`'s stack's workflow state machines (`arn:…:execution:<prefix>*`): what StopExecution acts on. */
export function workflowExecutionArns(scope: Construct): string {
  const stack = Stack.of(scope);
  return stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${workflowNamePrefix(stack.stackName)}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Lets `fn` act on a `cancelOn` event: find the correlation's executions (the State table's byCorrelation index) and
 * stop the workflows' running ones. StopExecution encrypts its error and cause with the machine's key, which the
 * routing functions may already use (`grantRouting`).
 */
export function grantCancelOn(fn: lambda.IFunction, stateTable: dynamodb.ITable, eventsTable: dynamodb.ITable): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'FindCorrelationExecutions',
      actions: ['dynamodb:Query'],
      resources: [`${stateTable.tableArn}/index/${STATE_TABLE.byCorrelation.indexName}`],
    }),
  );
  grantStopExecutions(fn, 'StopWorkflowExecutions');
  // A stopped execution's `workflow.aborted` event, appended as every ingest path appends (put, and get to tell a duplicate).
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'AppendAbortedEvents', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [eventsTable.tableArn] }));
  for (const statement of markHoursStatements(eventsTable)) fn.addToRolePolicy(statement);
}

/**
 * `states:StopExecution` on the workflows' executions. Besides `cancelOn`, every function that starts waiting triggers
 * needs it: a Standard start that loses to a drop of its QUEUED record stops the execution it started (RecordedWorkflowStarter).
 */
function grantStopExecutions(fn: lambda.IFunction, sid: string): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions: ['states:StopExecution'], resources: [workflowExecutionArns(fn)] }));
  const prefix = workflowNamePrefix(Stack.of(fn).stackName);
  Validations.of(fn.role ?? fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${prefix}*]`,
    reason:
      "An execution's ARN ends in its name, known only when it starts: the wildcard covers the executions of this stack's workflow machines (their names share the prefix) and no other machine's.",
  });
}

export interface FlowControlProps extends RoutingProps {
  /** The State table: flow-control state per rule and key, and the execution records of what the wake-ups start. */
  readonly stateTable: dynamodb.ITable;
  /** Wake-up consumers at once. Default 10: the wakes' starts share the account's StartExecution quota with the router. */
  readonly maxConcurrency?: number;
}

/**
 * @example const flow = new FlowControl(this, 'FlowControl', routing); flow.grantSchedule(router.routerFunction)
 */
export class FlowControl extends Construct {
  /** Wake-ups, each delayed until it is due (at most 15 minutes; later ones are sent on by the consumer); an alarm watches its oldest (Observability). */
  public readonly queue: sqs.Queue;
  /** Wake-ups that failed FLOW_WAKE_MAX_RECEIVES times; an alarm watches it (Observability). */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly wakeFunction: NodejsFunction;

  constructor(scope: Construct, id: string, props: FlowControlProps) {
    super(scope, id);
    const key = props.encryptionKey;
    this.deadLetterQueue = createFailureQueue(this, 'DeadLetterQueue', key, 'the flow-control wake-up queue');
    this.queue = new sqs.Queue(this, 'WakeUps', {
      ...(key === undefined ? { encryption: sqs.QueueEncryption.SQS_MANAGED } : { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }),
      enforceSSL: true,
      // Lambda's advice for a queue it polls: six times the function's timeout, so a message is not delivered again while its batch still runs.
      visibilityTimeout: FLOW_WAKE_VISIBILITY_TIMEOUT,
      // A wake-up is at most 15 minutes from its next leg; four days leave room for an outage of the consumer.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: FLOW_WAKE_MAX_RECEIVES },
    });

    this.wakeFunction = createFunction(this, 'WakeFunction', {
      entry: handlerEntry('flow-wake'),
      serviceName: FLOW_WAKE_SERVICE,
      description: 'edwe: flow-control wake-ups (debounce, throttle, batch): starts what they let through',
      ...routingFunctionProps(this, props, { timeout: FLOW_WAKE_TIMEOUT, invocation: 'stream', environment: { [ENV.FLOW_WAKE_QUEUE_URL]: this.queue.queueUrl } }),
    });
    const machineArns = [...props.stateMachines.values()].map((machine) => machine.stateMachineArn);
    if (machineArns.length > 0) {
      this.wakeFunction.addToRolePolicy(new iam.PolicyStatement({ sid: 'StartWorkflowExecutions', actions: ['states:StartExecution'], resources: machineArns }));
    }
    grantStopExecutions(this.wakeFunction, 'StopDroppedStarts');
    // Flow-control state per rule and key (conditional writes, queries of one key's queue) and the records of what it starts.
    this.wakeFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KeepFlowStateAndExecutions',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        resources: [props.stateTable.tableArn],
      }),
    );
    // The table's key, which is also the state machines' (StartExecution encrypts the input).
    grantKeyUse(key, this.wakeFunction, 'encrypt-decrypt');
    // A wake-up due later than SQS can delay it is sent on to the same queue.
    this.grantSchedule(this.wakeFunction);
    this.wakeFunction.addEventSource(
      new SqsEventSource(this.queue, { batchSize: FLOW_WAKE_BATCH_SIZE, reportBatchItemFailures: true, maxConcurrency: props.maxConcurrency ?? 10 }),
    );
    Validations.of(this.wakeFunction).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: "An SQS mapping's failures stay on the queue, whose redrive policy moves a wake-up failed five times to the dead-letter queue (its own alarm watches it).",
    });
  }

  /**
   * Lets the lifecycle function free an ended execution's concurrency slot and start the key's next waiting trigger
   * (flow control's `release`): the flow-control items and execution records of the State table (`FLOW#`, `EXEC#` keys
   * only), starting the workflows, and scheduling a wake-up for a throttle slot that opens later.
   */
  grantRelease(fn: lambda.Function, props: Pick<FlowControlProps, 'stateTable' | 'encryptionKey' | 'stateMachines'>): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReleaseFlowControlSlots',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        resources: [props.stateTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.flow}*`, `${STATE_TABLE.prefix.execution}*`] } },
      }),
    );
    const machineArns = [...props.stateMachines.values()].map((machine) => machine.stateMachineArn);
    if (machineArns.length > 0) fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'StartWaitingTriggers', actions: ['states:StartExecution'], resources: machineArns }));
    grantStopExecutions(fn, 'StopDroppedStarts');
    grantKeyUse(props.encryptionKey, fn, 'encrypt-decrypt');
    this.grantSchedule(fn);
  }

  /** Lets `fn` schedule wake-ups: the queue's URL in its environment, `sqs:SendMessage` on it and the key use sending takes. */
  grantSchedule(fn: lambda.Function): void {
    fn.addEnvironment(ENV.FLOW_WAKE_QUEUE_URL, this.queue.queueUrl);
    grantSendToQueue(this.queue, fn);
  }
}
