import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EdweStack } from '../../lib/edwe-stack.js';
import { functionIdByService } from '../support/cdk.js';
import { ALL_SOURCES, anEdweStack } from '../support/stacks.js';

type Resource = { Properties: Record<string, any> };
const values = (template: Template, type: string): Resource[] => Object.values(template.findResources(type)) as Resource[];
const queueArn = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });

describe('failure handling of the full EdweStack (every source)', () => {
  let stack: EdweStack;
  let template: Template;
  beforeAll(() => {
    stack = anEdweStack('Failing', {}, ALL_SOURCES);
    template = Template.fromStack(stack);
  });

  it('ends every stream mapping in an on-failure queue, bisecting, with bounded retries and record age', () => {
    // A queue's mapping (the flow-control wake-ups) has no on-failure destination: its queue's redrive policy is one (below).
    const mappings = values(template, 'AWS::Lambda::EventSourceMapping').filter((m) => !String(JSON.stringify(m.Properties.EventSourceArn)).includes('WakeUps'));
    // The router's stream, Kinesis, two MSK topics, one self-managed topic.
    expect(mappings).toHaveLength(5);
    for (const mapping of mappings) {
      expect(mapping.Properties).toMatchObject({
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^(RouterFailureQueue|IngestDeadLetterQueue)/), 'Arn'] } } },
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: expect.any(Number),
        MaximumRecordAgeInSeconds: expect.any(Number),
      });
      expect(mapping.Properties.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(mapping.Properties.MaximumRetryAttempts).toBeLessThanOrEqual(10);
      expect(mapping.Properties.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
    }
  });

  it('gives every EventBridge target a dead-letter queue and a bounded retry policy', () => {
    const targets = values(template, 'AWS::Events::Rule').flatMap((rule) => rule.Properties.Targets as Array<Record<string, any>>);
    expect(targets.length).toBeGreaterThanOrEqual(5);
    for (const target of targets) {
      expect(target).toMatchObject({
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue|FailureQueue/), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
      });
    }
  });

  it('gives every function EventBridge invokes (asynchronously) an on-failure destination', () => {
    const targetFunctions = new Set(
      values(template, 'AWS::Events::Rule').flatMap((rule) => (rule.Properties.Targets as Array<Record<string, any>>).map((t) => t.Arn['Fn::GetAtt']?.[0] as string)),
    );
    const configured = new Map(values(template, 'AWS::Lambda::EventInvokeConfig').map((c) => [c.Properties.FunctionName.Ref as string, c.Properties]));

    expect(targetFunctions.size).toBe(4);
    for (const fn of targetFunctions) {
      expect(configured.get(fn), fn).toMatchObject({
        DestinationConfig: { OnFailure: { Destination: expect.objectContaining({ 'Fn::GetAtt': [expect.any(String), 'Arn'] }) } },
      });
    }
  });

  it('ends the flow-control wake-up queue in a dead-letter queue, failures reported per message', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: queueArn('FlowControlDeadLetterQueue'), maxReceiveCount: 5 } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: queueArn('FlowControlWakeUps'), FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('alarms on every dead-letter and on-failure queue holding a message', () => {
    // A queue with a redrive policy is a work queue: its dead-letter queue is the one watched.
    const queues = Object.entries(template.findResources('AWS::SQS::Queue'))
      .filter(([, queue]) => queue.Properties?.RedrivePolicy === undefined)
      .map(([id]) => id);
    const watched = values(template, 'AWS::CloudWatch::Alarm')
      .filter((alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map((alarm) => alarm.Properties.Dimensions[0].Value['Fn::GetAtt'][0] as string);

    expect(watched.sort()).toEqual(queues.sort());
  });

  it('runs the sweeper every 5 minutes, its failures to the router failure queue', () => {
    const sweeper = functionIdByService(template, 'edwe-sweeper');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeper, 'Arn'] }, DeadLetterConfig: { Arn: queueArn('RouterFailureQueue') } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: sweeper },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: queueArn('RouterFailureQueue') } },
    });
  });

  it("gives the sweeper the router's rules and state machines, the Events table, its age, attempts and queue", () => {
    const sweeper = template.findResources('AWS::Lambda::Function')[functionIdByService(template, 'edwe-sweeper')] as Resource;
    const router = template.findResources('AWS::Lambda::Function')[functionIdByService(template, 'edwe-router')] as Resource;

    expect(sweeper.Properties.Environment.Variables).toMatchObject({
      EVENTS_TABLE: { Ref: expect.stringMatching(/^EventStoreEvents/) },
      STATE_TABLE: { Ref: expect.stringMatching(/^StateStoreState/) },
      STATE_MACHINE_ARN_PREFIX: router.Properties.Environment.Variables.STATE_MACHINE_ARN_PREFIX,
      DEAD_LETTER_QUEUE_URL: { Ref: expect.stringMatching(/^RouterFailureQueue/) },
      SWEEP_MIN_AGE_SECONDS: '600',
      SWEEP_MAX_ATTEMPTS: '3',
    });
    expect(router.Properties.Environment.Variables.EVENTS_TABLE).toEqual({ Ref: expect.stringMatching(/^EventStoreEvents/) });
  });

  it('lets the sweeper read only the byUnrouted index of the Events table', () => {
    const queries = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>)
      .filter((s) => s.Sid === 'ReadUnroutedIndex');

    expect(queries).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^EventStoreEvents/), 'Arn'] }, '/index/byUnrouted']] },
      }),
    ]);
  });

  it('lets the sweeper (its correlation metrics pass) read only the byActivity index of the State table', () => {
    const queries = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>)
      .filter((s) => s.Sid === 'ReadCorrelationActivityIndex');

    expect(queries).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^StateStoreState/), 'Arn'] }, '/index/byActivity']] },
      }),
    ]);
  });

  it('watches every function, stream consumer, state machine and the API', () => {
    const alarms = values(template, 'AWS::CloudWatch::Alarm');
    // An alarm on one metric names it; one on metric math names it in its Metrics.
    const count = (metric: string) =>
      alarms.filter((a) => a.Properties.MetricName === metric || (a.Properties.Metrics ?? []).some((m: any) => m.MetricStat?.Metric?.MetricName === metric)).length;
    const functions = values(template, 'AWS::Lambda::Function').length;

    expect(count('Errors')).toBe(functions);
    expect(count('Throttles')).toBe(functions);
    // The router, the Kinesis and the Kafka ingest functions.
    expect(count('IteratorAge')).toBe(3);
    // Every workflow, the replay driver and the bulk-action driver.
    expect(count('ExecutionsFailed')).toBe(stack.workflows.stateMachines.size + 2);
    expect(count('5XXError')).toBe(1);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ObservabilityAlarms/) }]);
  });

  it('outputs the dashboard URL, the alarm topic and the sweeper (for edwe dlq redrive)', () => {
    for (const output of [
      'DashboardUrl',
      'AlarmTopicArn',
      'SweeperFunctionName',
      'IngestDeadLetterQueueUrl',
      'FailureQueueUrl',
      'LifecycleDeadLetterQueueUrl',
      'ReplayDeadLetterQueueUrl',
      'EventsTableName',
    ]) {
      template.hasOutput(output, {});
    }
  });
});

describe('sweeper settings', () => {
  it('takes its schedule, age and attempts from the settings', () => {
    const stack = anEdweStack('Swept', { sweeper: { everyMinutes: 2, minAgeMinutes: 30, maxAttempts: 5 } });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: Duration.minutes(2).toSeconds(),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'edwe-sweeper', SWEEP_MIN_AGE_SECONDS: '1800', SWEEP_MAX_ATTEMPTS: '5' }) },
    });
  });
});
