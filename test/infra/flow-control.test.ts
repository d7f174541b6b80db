import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_DELAY_SECONDS } from '../../lambdas/aws/sqs-wake-ups.js';
import { FLOW_WAKE_BATCH_SIZE, FLOW_WAKE_MAX_AGE, FLOW_WAKE_MAX_RECEIVES, FLOW_WAKE_SERVICE, FLOW_WAKE_VISIBILITY_TIMEOUT } from '../../lib/flow-control.js';
import { ENV } from '../../lambdas/layout/environment.js';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';
import { actionsOf, arnOf, functionIdByService, ref, statementsOfFunction } from '../support/cdk.js';
import { anEdweStack } from '../support/stacks.js';

describe('EdweStack flow control (repository project)', () => {
  let template: Template;
  let queueId: string;
  let deadLettersId: string;

  beforeAll(() => {
    template = Template.fromStack(anEdweStack('FlowStack'));
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    queueId = queues.find((id) => id.startsWith('FlowControlWakeUps')) as string;
    deadLettersId = queues.find((id) => id.startsWith('FlowControlDeadLetterQueue')) as string;
  }, 120_000);

  it('delays wake-ups on a queue encrypted with the engine key, with a dead-letter queue after five receives', () => {
    expect(queueId).toBeDefined();
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: arnOf('EventStoreKey'),
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: FLOW_WAKE_MAX_RECEIVES },
    });
  });

  it('refuses plain HTTP on the wake-up queue and its dead-letter queue', () => {
    for (const id of [queueId, deadLettersId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('consumes the queue with the wake-up function, ten messages a batch, failures reported per message', () => {
    const wake = functionIdByService(template, FLOW_WAKE_SERVICE);
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: wake },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: FLOW_WAKE_BATCH_SIZE,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('lets the wake-up function start the workflows, keep state in the State table and send a long wait on', () => {
    const statements = statementsOfFunction(template, functionIdByService(template, FLOW_WAKE_SERVICE));
    expect(statements.find((s) => s.Sid === 'StartWorkflowExecutions')?.Action).toBe('states:StartExecution');
    expect(statements.find((s) => s.Sid === 'KeepFlowStateAndExecutions')?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StateStore/), 'Arn'] });
    expect(statements.filter((s) => actionsOf(s).includes('sqs:SendMessage')).map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    // A Standard start that lost to a drop of its QUEUED record is stopped again: the stack's workflows' executions only.
    const stop = statements.filter((s) => actionsOf(s).includes('states:StopExecution'));
    expect(stop.map((s) => s.Sid)).toEqual(['StopDroppedStarts']);
    expect(JSON.stringify(stop[0]?.Resource)).toMatch(/:execution:FlowStack_\*"/);
  });

  it.each(['edwe-router', 'edwe-sweeper', 'edwe-lifecycle'])('gives %s the queue’s URL and lets it send wake-ups, with the key', (service) => {
    const fnId = functionIdByService(template, service);
    const fn = template.findResources('AWS::Lambda::Function')[fnId] as { Properties: Record<string, any> };
    expect(fn.Properties.Environment.Variables[ENV.FLOW_WAKE_QUEUE_URL]).toEqual({ Ref: queueId });
    const statements = statementsOfFunction(template, fnId);
    expect(statements.some((s) => actionsOf(s).includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(queueId))).toBe(true);
    expect(statements.some((s) => actionsOf(s).includes('kms:GenerateDataKey'))).toBe(true);
  });

  it.each(['edwe-router', 'edwe-sweeper'])('lets %s stop the executions of the stack’s workflows and no others (cancelOn)', (service) => {
    const stop = statementsOfFunction(template, functionIdByService(template, service)).filter((s) => actionsOf(s).includes('states:StopExecution'));
    expect(stop).toHaveLength(1);
    expect(JSON.stringify(stop[0]?.Resource)).toMatch(/:execution:FlowStack_\*"/);
    const find = statementsOfFunction(template, functionIdByService(template, service)).find((s) => s.Sid === 'FindCorrelationExecutions');
    expect(JSON.stringify(find?.Resource)).toContain(`/index/${STATE_TABLE.byCorrelation.indexName}`);
  });

  it('lets the lifecycle function free slots and start the next waiting trigger: flow-control items and execution records only', () => {
    const lifecycle = functionIdByService(template, 'edwe-lifecycle');
    const statements = statementsOfFunction(template, lifecycle);
    const release = statements.find((s) => s.Sid === 'ReleaseFlowControlSlots');
    expect(release?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.flow}*`, `${STATE_TABLE.prefix.execution}*`] } });
    expect(statements.find((s) => s.Sid === 'StartWaitingTriggers')?.Action).toBe('states:StartExecution');
    const stop = statements.filter((s) => actionsOf(s).includes('states:StopExecution'));
    expect(stop.map((s) => s.Sid)).toEqual(['StopDroppedStarts']);
    expect(JSON.stringify(stop[0]?.Resource)).toMatch(/:execution:FlowStack_\*"/);
    const fn = template.findResources('AWS::Lambda::Function')[lifecycle] as { Properties: Record<string, any> };
    expect(JSON.parse(fn.Properties.Environment.Variables[ENV.WORKFLOW_TYPES])).toEqual(expect.any(Object));
  });

  it('lets the lifecycle function read the managed rules, as the router does, to release a managed rule’s slots', () => {
    const lifecycle = functionIdByService(template, 'edwe-lifecycle');
    const fn = template.findResources('AWS::Lambda::Function')[lifecycle] as { Properties: Record<string, any> };
    const router = template.findResources('AWS::Lambda::Function')[functionIdByService(template, 'edwe-router')] as { Properties: Record<string, any> };
    expect(fn.Properties.Environment.Variables[ENV.RULE_REFRESH_SECONDS]).toBe(router.Properties.Environment.Variables[ENV.RULE_REFRESH_SECONDS]);
    const rules = statementsOfFunction(template, lifecycle).find((s) => s.Sid === 'ManagedRules');
    expect(actionsOf(rules as never).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(rules?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.managedRules}*`] } });
  });

  it('alarms when the oldest wake-up is older than the longest delay plus a failed receive: the consumer is behind', () => {
    // A wake-up's delay counts in its age: the threshold leaves room for the longest delay and one redelivery.
    expect(FLOW_WAKE_MAX_AGE.toSeconds()).toBeGreaterThan(MAX_DELAY_SECONDS + FLOW_WAKE_VISIBILITY_TIMEOUT.toSeconds());
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: FLOW_WAKE_MAX_AGE.toSeconds(),
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^ObservabilityAlarms') }],
      AlarmDescription: Match.stringLikeRegexp('docs/operations.md#wake-ups-run-late'),
    });
  });

  it('alarms on a wake-up in the dead-letter queue and names the queue in the outputs', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLettersId, 'QueueName'] } }],
      AlarmDescription: Match.stringLikeRegexp('flow-wake-dead-letters'),
    });
    template.hasOutput('FlowWakeDeadLetterQueueUrl', { Value: ref('FlowControlDeadLetterQueue') });
  });
});
