/**
 * What an operator watches (DESIGN: Observability): a dashboard of the engine's own metrics
 * (Powertools EMF, namespace `edwe`) and alarms on everything that means "something is stuck or
 * failing", all notifying one encrypted SNS topic. docs/operations.md says what each alarm means.
 */
import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

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
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** Alarm when a stream consumer lags this far behind. Default 1 minute. */
  readonly maxIteratorAge?: Duration;
}

/** The engine's own metrics, summed over every function that emits them (any `service` dimension). */
export const ENGINE_METRICS = {
  ingestion: ['EventsIngested', 'EventsDuplicate', 'EventsRefused', 'EventsFailed', 'RecordsDeadLettered'],
  routing: ['EventsRouted', 'ExecutionsStarted', 'RecordsFailed', 'WaitersCompleted'],
  workflows: ['WorkflowsStarted', 'WorkflowsSucceeded', 'WorkflowsFailed'],
  replay: ['ReplaysStarted', 'ReplayPages', 'ReplayExecutionsStarted'],
} as const;

export class Observability extends Construct {
  public readonly topic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
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
    // CloudWatch publishes alarm notifications to the topic: it must be allowed to use the key.
    props.encryptionKey.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));

    const alarm = (name: string, metric: cloudwatch.IMetric, description: string, anchor: string, threshold = 0) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmDescription: `${description} What to do: docs/operations.md#${anchor}.`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };
    const fiveMinutes = Duration.minutes(5);

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(`${pascal(name)}NotEmpty`, queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }), `Messages wait in ${name}: events or records that failed for good.`, 'a-dead-letter-queue-is-not-empty');
    }
    const maxAge = (props.maxIteratorAge ?? Duration.minutes(1)).toMilliseconds();
    for (const [name, fn] of Object.entries(props.streamConsumers)) {
      alarm(`${pascal(name)}IteratorAge`, fn.metric('IteratorAge', { period: fiveMinutes, statistic: 'Maximum' }), `${name} is falling behind its stream.`, 'a-stream-consumer-falls-behind', maxAge);
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${pascal(name)}Errors`, fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), `${name} failed invocations.`, 'a-function-fails');
      alarm(`${pascal(name)}Throttles`, fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), `${name} was throttled.`, 'a-function-is-throttled');
    }
    for (const [workflowId, machine] of props.stateMachines) {
      alarm(`${pascal(workflowId)}ExecutionsFailed`, machine.metricFailed({ period: fiveMinutes, statistic: 'Sum' }), `Executions of ${workflowId} failed or timed out.`, 'executions-fail');
    }
    if (props.api) alarm('Api5xx', props.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }), 'The API answered 5xx.', 'the-api-answers-5xx');

    const engineMetric = (metricName: string) =>
      new cloudwatch.MathExpression({
        expression: `SUM(SEARCH('{${props.namespace},service} MetricName="${metricName}"', 'Sum', 300))`,
        label: metricName,
        period: fiveMinutes,
      });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      ...Object.entries(ENGINE_METRICS).map(([title, names]) => new cloudwatch.GraphWidget({ title, width: 6, left: names.map(engineMetric) })),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'stream lag (iterator age, ms)',
        width: 12,
        left: Object.values(props.streamConsumers).map((fn) => fn.metric('IteratorAge', { period: fiveMinutes, statistic: 'Maximum' })),
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'alarms', width: 12, alarms: this.alarms }),
    );
  }
}

const pascal = (name: string) => name.replace(/(^|[-_\s]+)([a-zA-Z0-9])/g, (_, _sep: string, c: string) => c.toUpperCase());
