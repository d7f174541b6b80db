import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_METRICS, ENGINE_WORKFLOW_METRICS } from '../../lib/engine-dashboard.js';
import { Observability } from '../../lib/observability.js';
import { SERVICE_METRICS, WORKFLOW_METRICS } from '../../lambdas/core/metric-names.js';

/** A stack with one of each thing Observability watches. */
function watchedStack(
  alarmEmail?: string,
  startLatencyObjective?: { ms: number; service: string },
  /** `null`: a stack without the correlation metrics pass. */
  correlationMetrics: { service: string; every: Duration } | null = { service: 'edwe-sweeper', every: Duration.minutes(5) },
): Template {
  const stack = new Stack(new App(), 'Watched');
  const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const fn = (id: string) =>
    new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
  const router = fn('Router');
  const ingest = fn('Ingest');
  const api = new apigw.RestApi(stack, 'Api', { cloudWatchRole: false });
  api.root.addMethod('GET', new apigw.LambdaIntegration(ingest));
  const machine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) });
  new Observability(stack, 'Observability', {
    encryptionKey,
    namespace: 'edwe',
    api,
    functions: { router, ingest },
    streamConsumers: { router },
    deadLetterQueues: { 'router-failures': new sqs.Queue(stack, 'Failures') },
    stateMachines: new Map([['onboarding_workflow', machine]]),
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(startLatencyObjective === undefined ? {} : { startLatencyObjective }),
    ...(correlationMetrics === null ? {} : { correlationMetrics }),
  });
  return Template.fromStack(stack);
}

/** The math expressions of the dashboard's widgets (its body is JSON joined around tokens). */
function dashboardExpressions(template: Template): string[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const parts = dashboard?.Properties?.DashboardBody['Fn::Join'][1] as unknown[];
  const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'token')).join('')) as { widgets: Array<{ properties: { metrics?: unknown[][] } }> };
  return body.widgets
    .flatMap((w) => w.properties.metrics ?? [])
    .flatMap((line) => line.flatMap((item) => (item !== null && typeof item === 'object' && 'expression' in item ? [String(item.expression)] : [])));
}

describe('Observability', () => {
  let template: Template;
  beforeAll(() => {
    template = watchedStack();
  });

  it('alarms on a dead-letter queue holding any message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^ObservabilityAlarms') }],
    });
  });

  it('alarms on stream lag over a minute', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Namespace: 'AWS/Lambda', Threshold: 60_000, Statistic: 'Maximum' });
  });

  it('alarms on errors and throttles of every function, failed executions and API 5xx', () => {
    for (const metric of ['Errors', 'Throttles']) template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: metric, Namespace: 'AWS/Lambda' }, 2);
    // Failed and timed out together, by metric math (Step Functions counts them apart).
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' }) }) }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Namespace: 'AWS/ApiGateway' });
    // 2 functions × 2, 1 queue, 1 stream consumer, the API, per workflow failed-or-timed-out, aborted, throttled, and the correlation pass.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 11);
  });

  it('notifies an SNS topic encrypted with the engine key that refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('draws every metric the handlers emit on the dashboard, the per-workflow ones by workflow', () => {
    const expressions = dashboardExpressions(template);

    for (const names of Object.values(ENGINE_METRICS))
      for (const metric of names) expect(expressions.some((e) => e.includes(`{edwe,service} MetricName="${metric}"`))).toBe(true);
    for (const metric of ENGINE_WORKFLOW_METRICS) expect(expressions).toContain(`SEARCH('{edwe,service,workflowId} MetricName="${metric}"', 'Sum', 300)`);
    expect(expressions).toContain(`MAX(SEARCH('{edwe,service} MetricName="RoutingLag"', 'Maximum', 300))`);
  });

  it('knows exactly the metric names the handlers emit (lambdas/core/metric-names.ts)', () => {
    expect(ENGINE_METRICS).toEqual(SERVICE_METRICS);
    expect(ENGINE_WORKFLOW_METRICS).toEqual(WORKFLOW_METRICS);
  });

  it('draws the routing and start latencies and the execution durations as percentiles', () => {
    const expressions = dashboardExpressions(template);

    expect(expressions).toContain(`SEARCH('{edwe,service} MetricName="StartLatency"', 'p99', 300)`);
    expect(expressions).toContain(`SEARCH('{edwe,service} MetricName="RoutingLatency"', 'p50', 300)`);
    expect(expressions).toContain(`SEARCH('{edwe,service,workflowId} MetricName="ExecutionDuration"', 'p99', 300)`);
  });

  it('draws the correlation metrics: the active correlations, and events, workflows and span per correlation as percentiles', () => {
    const expressions = dashboardExpressions(template);

    expect(expressions).toContain(`MAX(SEARCH('{edwe,service} MetricName="ActiveCorrelations"', 'Maximum', 300))`);
    for (const metric of ['CorrelationEvents', 'CorrelationWorkflows', 'CorrelationSpan'])
      for (const p of ['p50', 'p99']) expect(expressions).toContain(`SEARCH('{edwe,service} MetricName="${metric}"', '${p}', 300)`);
  });

  it('alarms when the correlation metrics pass failed twice in a row, over periods of its schedule; without the pass, neither alarm nor widgets', () => {
    const hourly = watchedStack(undefined, undefined, { service: 'edwe-sweeper', every: Duration.minutes(60) });
    const without = watchedStack(undefined, undefined, null);

    hourly.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CorrelationPassesFailed',
      Namespace: 'edwe',
      Dimensions: [{ Name: 'service', Value: 'edwe-sweeper' }],
      Period: 3600,
      EvaluationPeriods: 2,
      AlarmDescription: Match.stringLikeRegexp('docs/operations.md#the-correlation-metrics-pass-fails'),
    });
    without.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'CorrelationPassesFailed' }, 0);
    expect(dashboardExpressions(without).filter((e) => e.includes('Correlation'))).toEqual([]);
    expect(dashboardExpressions(template)).toContain(`SUM(SEARCH('{edwe,service} MetricName="CorrelationPassesFailed"', 'Sum', 300))`);
  });

  it("alarms on the router's starts that missed real_time_execution.max_latency, only when the configuration sets it", () => {
    const withObjective = watchedStack(undefined, { ms: 100, service: 'edwe-router' });

    withObjective.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StartLatencyObjectiveMissed',
      Namespace: 'edwe',
      Dimensions: [{ Name: 'service', Value: 'edwe-router' }],
      Statistic: 'Sum',
      Threshold: 0,
      AlarmDescription: Match.stringLikeRegexp('more than 100 ms'),
    });
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'StartLatencyObjectiveMissed' }, 0);
  });

  it('e-mails alarms to the configured address, keeping what SNS cannot deliver in an encrypted queue', () => {
    const withEmail = watchedStack('ops@example.com');

    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObservabilityUndeliveredAlarms'), 'Arn'] } },
    });
    withEmail.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    withEmail.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObservabilityUndeliveredAlarms'), 'QueueName'] } }],
    });
  });
});
