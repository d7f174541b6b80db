/**
 * What an operator watches (docs/operations.md, "Metrics" and "Alarms"): a dashboard of the engine's own metrics
 * (Powertools EMF, namespace `edwe`) and alarms on everything that means "something is stuck or
 * failing", all notifying one encrypted SNS topic. docs/operations.md says what each alarm means.
 * The dashboard's widgets are lib/engine-dashboard.ts's.
 */
import { ArnFormat, Aws, CfnMapping, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as events from 'aws-cdk-lib/aws-events';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FAILED_PASSES_TO_ALARM, failedPasses, type CorrelationMetricsWatch } from './correlation-watch.js';
import { createFailureQueue } from './encryption.js';
import { engineDashboard } from './engine-dashboard.js';

export interface ObservabilityProps {
  readonly encryptionKey: kms.IKey;
  /** CloudWatch namespace the handlers' Powertools metrics use. */
  readonly namespace: string;
  readonly api?: apigw.RestApi;
  /** Every function, by a short name for alarm names (`router`, `ingest`, …). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Functions fed by a stream (DynamoDB Streams, Kinesis, Kafka): their iterator age is alarmed. */
  readonly streamConsumers: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter and on-failure queues: one message there is one thing an operator must look at. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Work queues whose oldest message must not grow older than `maxAge` (its delay included): their consumer is behind. */
  readonly queueAges?: Readonly<Record<string, { readonly queue: sqs.IQueue; readonly maxAge: Duration; readonly anchor: string }>>;
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** EventBridge rules, with the bus each is on (`undefined`: the default bus): deliveries that failed, and failures the dead-letter queue did not get. */
  readonly rules?: Readonly<Record<string, { rule: events.IRule; busName?: string }>>;
  /** Functions invoked asynchronously: events dropped, and failures their on-failure destination did not get. */
  readonly asyncFunctions?: Readonly<Record<string, lambda.IFunction>>;
  /** Alarm when a stream consumer lags this far behind. Default 1 minute. */
  readonly maxIteratorAge?: Duration;
  /**
   * `real_time_execution.max_latency`, and the router's `service`: an alarm when any start the router made was
   * later than the objective (the sweeper's late starts are late by design and not watched).
   */
  readonly startLatencyObjective?: { readonly ms: number; readonly service: string };
  /** An e-mail address subscribed to the alarm topic (AWS asks it to confirm). */
  readonly alarmEmail?: string;
  /** The correlation metrics pass (the sweeper's `service` and schedule): its metrics drawn, and passes failing in a row alarmed. Unset: neither. */
  readonly correlationMetrics?: CorrelationMetricsWatch;
}

export class Observability extends Construct {
  public readonly topic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** With `alarmEmail`: where notifications SNS could not deliver to the address are kept. */
  public readonly undeliveredAlarms?: sqs.Queue;

  private readonly consoleHosts: CfnMapping;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.consoleHosts = new CfnMapping(this, 'ConsoleHosts', { mapping: Object.fromEntries(Object.entries(CONSOLE_HOSTS).map(([partition, host]) => [partition, { host }])) });
    this.topic = new sns.Topic(this, 'Alarms', { masterKey: props.encryptionKey, displayName: 'edwe alarms' });
    // Publishing over plain HTTP is refused (AwsSolutions-SNS3).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyInsecureTransport',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // A topic policy replaces SNS's default one, so CloudWatch must be let in by name: alarms of this
    // account publish their notifications (as AWS documents, conditioned on the source account and alarm ARN).
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    // CloudWatch publishes alarm notifications to the encrypted topic: the key lets it, for this account's alarms only.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    if (props.alarmEmail !== undefined) {
      this.undeliveredAlarms = createFailureQueue(this, 'UndeliveredAlarms', props.encryptionKey, 'the alarm e-mail subscription');
      // SNS moves undeliverable notifications into the encrypted queue: the key lets it, for this account's topics only.
      props.encryptionKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'SnsRedrivesOfThisAccount',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail, { deadLetterQueue: this.undeliveredAlarms }));
    }
    const deadLetterQueues: Record<string, sqs.IQueue> = {
      ...props.deadLetterQueues,
      ...(this.undeliveredAlarms === undefined ? {} : { 'undelivered-alarms': this.undeliveredAlarms }),
    };

    const alarm = (name: string, metric: cloudwatch.IMetric, description: string, anchor: string, threshold = 0, evaluationPeriods = 1) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmDescription: `${description} What to do: docs/operations.md#${anchor}.`,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };
    const fiveMinutes = Duration.minutes(5);

    for (const [name, queue] of Object.entries(deadLetterQueues)) {
      alarm(
        `${pascal(name)}NotEmpty`,
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        `Messages wait in ${name}: events or records that failed for good.`,
        'a-dead-letter-queue-is-not-empty',
      );
    }
    for (const [name, { queue, maxAge, anchor }] of Object.entries(props.queueAges ?? {})) {
      alarm(
        `${pascal(name)}OldestMessage`,
        queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
        `The oldest message of ${name} is older than ${maxAge.toMinutes()} minutes: its consumer is behind.`,
        anchor,
        maxAge.toSeconds(),
      );
    }
    const maxAge = (props.maxIteratorAge ?? Duration.minutes(1)).toMilliseconds();
    for (const [name, fn] of Object.entries(props.streamConsumers)) {
      alarm(
        `${pascal(name)}IteratorAge`,
        fn.metric('IteratorAge', { period: fiveMinutes, statistic: 'Maximum' }),
        `${name} is falling behind its stream.`,
        'a-stream-consumer-falls-behind',
        maxAge,
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${pascal(name)}Errors`, fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), `${name} failed invocations.`, 'a-function-fails');
      alarm(`${pascal(name)}Throttles`, fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), `${name} was throttled.`, 'a-function-is-throttled');
    }
    for (const [workflowId, machine] of props.stateMachines) {
      const sum = { period: fiveMinutes, statistic: 'Sum' };
      // Step Functions counts a timed-out execution in ExecutionsTimedOut, not ExecutionsFailed: both are added here.
      const failedOrTimedOut = new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
        usingMetrics: { failed: machine.metricFailed(sum), timedOut: machine.metricTimedOut(sum) },
        label: `${workflowId} failed or timed out`,
        period: fiveMinutes,
      });
      alarm(`${pascal(workflowId)}ExecutionsFailed`, failedOrTimedOut, `Executions of ${workflowId} failed or timed out.`, 'executions-fail');
      alarm(`${pascal(workflowId)}ExecutionsAborted`, machine.metricAborted(sum), `Executions of ${workflowId} were stopped (aborted).`, 'executions-fail');
      alarm(`${pascal(workflowId)}ExecutionsThrottled`, machine.metricThrottled(sum), `Step Functions throttled ${workflowId}.`, 'executions-are-throttled');
    }
    for (const [name, { rule, busName }] of Object.entries(props.rules ?? {})) {
      const ruleMetric = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName,
          dimensionsMap: { RuleName: rule.ruleName, ...(busName === undefined ? {} : { EventBusName: busName }) },
          period: fiveMinutes,
          statistic: 'Sum',
        });
      alarm(`${pascal(name)}RuleFailedInvocations`, ruleMetric('FailedInvocations'), `Rule ${name} could not deliver events to its target.`, 'a-rule-fails-to-deliver');
      alarm(
        `${pascal(name)}RuleNotSentToDlq`,
        ruleMetric('InvocationsFailedToBeSentToDLQ'),
        `Rule ${name} could not put undelivered events in its dead-letter queue: they are lost.`,
        'a-rule-fails-to-deliver',
      );
    }
    for (const [name, fn] of Object.entries(props.asyncFunctions ?? {})) {
      const lambdaMetric = (metricName: string) => fn.metric(metricName, { period: fiveMinutes, statistic: 'Sum' });
      alarm(
        `${pascal(name)}AsyncEventsDropped`,
        lambdaMetric('AsyncEventsDropped'),
        `${name} dropped asynchronous events without running them.`,
        'asynchronous-events-are-lost',
      );
      alarm(
        `${pascal(name)}DestinationDeliveryFailures`,
        lambdaMetric('DestinationDeliveryFailures'),
        `${name} could not send a failed invocation to its on-failure destination: it is lost.`,
        'asynchronous-events-are-lost',
      );
    }
    if (props.startLatencyObjective !== undefined) {
      const { ms, service } = props.startLatencyObjective;
      alarm(
        'StartLatencyObjectiveMissed',
        new cloudwatch.Metric({ namespace: props.namespace, metricName: 'StartLatencyObjectiveMissed', dimensionsMap: { service }, period: fiveMinutes, statistic: 'Sum' }),
        `Executions started more than ${ms} ms (real_time_execution.max_latency) after their event was received.`,
        'starts-miss-the-latency-objective',
      );
    }
    if (props.correlationMetrics !== undefined) {
      alarm(
        'CorrelationMetricsPassFailing',
        failedPasses(props.namespace, props.correlationMetrics),
        `The correlation metrics pass failed ${FAILED_PASSES_TO_ALARM} times in a row: the correlation metrics are not emitted.`,
        'the-correlation-metrics-pass-fails',
        0,
        FAILED_PASSES_TO_ALARM,
      );
    }
    if (props.api) alarm('Api5xx', props.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }), 'The API answered 5xx.', 'the-api-answers-5xx');

    this.dashboard = engineDashboard(this, {
      namespace: props.namespace,
      streamConsumers: props.streamConsumers,
      correlationMetrics: props.correlationMetrics !== undefined,
      alarms: this.alarms,
    });
  }

  /** The dashboard in the CloudWatch console. */
  get dashboardUrl(): string {
    // The console's host follows the partition (console.amazonaws.cn in China, …).
    const { region } = Stack.of(this);
    return `https://${region}.${this.consoleHosts.findInMap(Aws.PARTITION, 'host')}/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}

/** The console's host in each partition (the CloudFormation pseudo parameter picks one at deploy time). */
const CONSOLE_HOSTS: Record<string, string> = { aws: 'console.aws.amazon.com', 'aws-cn': 'console.amazonaws.cn', 'aws-us-gov': 'console.amazonaws-us-gov.com' };

const pascal = (name: string) => name.replace(/(^|[-_\s]+)([a-zA-Z0-9])/g, (_, _sep: string, c: string) => c.toUpperCase());
