import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { parseRules } from '../../lambdas/core/index.js';
import { defaultPaths, loadProject, type Project } from '../../lambdas/project/load-project.js';
import { arnOf, functionIdByService, testApp } from '../support/cdk.js';

const SCHEDULE_RULES = `rules:
  - id: nightly-report
    schedule: "cron(0 2 * * ? *)"
    timezone: Europe/Berlin
    workflow: send_confirmation
    data: { orderId: nightly }
  - id: every-five
    schedule: rate(5 minutes)
    workflow: send_confirmation
  - id: switched-off
    schedule: rate(1 hour)
    workflow: send_confirmation
    enabled: false
`;

/** The repository's project plus schedule rules. */
const withSchedules = (project: Project): Project => ({ ...project, rules: [...project.rules, ...parseRules(SCHEDULE_RULES, 'rules/schedules.yaml')] });

describe('EdweStack schedules (EventBridge Scheduler)', () => {
  let template: Template;
  let ingestEventBridge: string;

  beforeAll(() => {
    template = Template.fromStack(new EdweStack(testApp(), 'SchedulesStack', { project: withSchedules(loadProject(defaultPaths(PROJECT_ROOT))) }));
    ingestEventBridge = functionIdByService(template, 'edwe-ingest-eventbridge');
    // A synth takes a while on a busy machine.
  }, 180_000);

  it('creates one schedule per enabled schedule rule, in one schedule group', () => {
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    expect(Object.values(schedules).map((s) => s.Properties.ScheduleExpression)).toEqual(['cron(0 2 * * ? *)', 'rate(5 minutes)']);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    for (const schedule of Object.values(schedules)) expect(schedule.Properties.GroupName).toEqual({ Ref: expect.stringMatching(/^SchedulesGroup/) });
  });

  it('evaluates the cron in the rule’s zone, on time (no flexible window)', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)', ScheduleExpressionTimezone: 'UTC' });
  });

  it('invokes the EventBridge ingest function with the fire as an event whose id is <ruleId>@<scheduled-time>', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule')).find((s) => s.Properties.ScheduleExpression.startsWith('cron'));
    const target = schedule?.Properties.Target;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [ingestEventBridge, 'Arn'] });
    expect(JSON.parse(target.Input)).toEqual({
      version: '0',
      id: 'nightly-report@<aws.scheduler.scheduled-time>',
      'detail-type': 'schedule.fired',
      source: 'edwe.scheduler',
      time: '<aws.scheduler.scheduled-time>',
      detail: { ruleId: 'nightly-report', scheduledTime: '<aws.scheduler.scheduled-time>', orderId: 'nightly' },
    });
  });

  it('retries a fire, then sends it to an SSE-encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ DeadLetterConfig: { Arn: arnOf('SchedulesDeadLetterQueue') }, RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 21600 } }),
    });
    const queues = template.findResources('AWS::SQS::Queue');
    const dlq = Object.entries(queues).find(([id]) => id.startsWith('SchedulesDeadLetterQueue'))?.[1];
    expect(dlq?.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('gives Scheduler a role for this account’s schedule group only, allowed to invoke the target and send to the queue, nothing else', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] } },
    });
    const [roleId, role] = Object.entries(roles)[0] ?? [];
    expect(Object.keys(roles)).toHaveLength(1);
    expect(role?.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^SchedulesGroup/), 'Arn'] } },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    expect(statements).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [ingestEventBridge, 'Arn'] } },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SchedulesDeadLetterQueue/), 'Arn'] } },
    ]);
  });

  it('watches the dead-letter queue with an alarm, as every other one', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'QueueName'] } }],
    });
  });

  it('adds nothing for a project without schedule rules', () => {
    const plain = Template.fromStack(new EdweStack(testApp(), 'PlainStack', { project: loadProject(defaultPaths(PROJECT_ROOT)) }));
    plain.resourceCountIs('AWS::Scheduler::Schedule', 0);
    plain.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
  }, 180_000);
});
