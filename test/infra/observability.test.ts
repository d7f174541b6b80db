import { App, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Observability } from '../../lib/observability.js';

/** A stack with one of each thing Observability watches. */
function watchedStack(): Template {
  const stack = new Stack(new App(), 'Watched');
  const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
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
  });
  return Template.fromStack(stack);
}

describe('Observability', () => {
  let template: Template;
  beforeAll(() => {
    template = watchedStack();
  });

  it('alarms on a dead-letter queue holding any message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^ObservabilityAlarms') }],
    });
  });

  it('alarms on stream lag over a minute', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Namespace: 'AWS/Lambda', Threshold: 60_000, Statistic: 'Maximum' });
  });

  it('alarms on errors and throttles of every function, failed executions and API 5xx', () => {
    for (const metric of ['Errors', 'Throttles']) template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: metric, Namespace: 'AWS/Lambda' }, 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Namespace: 'AWS/ApiGateway' });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
  });

  it('notifies an SNS topic encrypted with the engine key that refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it("draws the engine's own metrics on a dashboard", () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);

    for (const metric of ['EventsIngested', 'EventsRefused', 'ExecutionsStarted', 'WorkflowsFailed', 'ReplayPages']) expect(body).toContain(metric);
  });
});
