/**
 * What a read of the stack as AWS runs it asked for besides the access paths: failure paths that
 * alarm, a router sized against its mapping, a sweeper that cannot overlap itself, tables that
 * cannot be deleted by accident, a partition-neutral stack.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowNamePrefix } from '../../lib/workflows.js';
import { anEdweStack } from '../support/stacks.js';

type Resource = { Type: string; Properties: Record<string, any> };

describe('the fixes of the first review', () => {
  let resources: Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const alarmsOn = (metricName: string) => ofType('AWS::CloudWatch::Alarm').filter(([, r]) => JSON.stringify(r.Properties).includes(`"MetricName":"${metricName}"`));

  beforeAll(() => {
    resources = Template.fromStack(anEdweStack('ReviewFixes')).toJSON().Resources;
  }, 180_000);

  it('protects both tables from deletion', () => {
    const tables = ofType('AWS::DynamoDB::Table');

    expect(tables).toHaveLength(2);
    for (const [, table] of tables) expect(table.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it('runs several router invocations per shard, with a timeout that covers its worst batch', () => {
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    const router = ofType('AWS::Lambda::Function').find(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'edwe-router')?.[1];

    expect(mapping.Properties.ParallelizationFactor).toBe(5);
    // 100 records, 10 at a time, 6 s each at worst, and 10 s to spare.
    expect(router?.Properties.Timeout).toBe(70);
  });

  it('lets only one sweep run at a time', () => {
    const sweeper = ofType('AWS::Lambda::Function').find(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'edwe-sweeper')?.[1];

    expect(sweeper?.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('gives the encrypted bus a dead-letter queue that does not depend on the bus key', () => {
    const [[, bus]] = ofType('AWS::Events::EventBus') as [[string, Resource]];
    const queueId = bus.Properties.DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;

    expect(resources[queueId]?.Properties.SqsManagedSseEnabled).toBe(true);
    expect(resources[queueId]?.Properties.KmsMasterKeyId).toBeUndefined();
  });

  it('alarms on every failure path: rule deliveries, asynchronous events, executions timed out, aborted or throttled', () => {
    const rules = ofType('AWS::Events::Rule').length;

    expect(alarmsOn('FailedInvocations')).toHaveLength(rules);
    expect(alarmsOn('InvocationsFailedToBeSentToDLQ')).toHaveLength(rules);
    // ingest-eventbridge, sweeper, lifecycle, replay-start
    expect(alarmsOn('AsyncEventsDropped')).toHaveLength(4);
    expect(alarmsOn('DestinationDeliveryFailures')).toHaveLength(4);
    const machines = ofType('AWS::StepFunctions::StateMachine').length;
    expect(alarmsOn('ExecutionsAborted')).toHaveLength(machines);
    expect(alarmsOn('ExecutionThrottled')).toHaveLength(machines);
  });

  it('counts failed and timed-out executions in one alarm, with metric math', () => {
    const both = alarmsOn('ExecutionsTimedOut');

    expect(both).toHaveLength(ofType('AWS::StepFunctions::StateMachine').length);
    for (const [, alarm] of both) {
      expect(alarm.Properties.Metrics).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0)' }),
          expect.objectContaining({ Id: 'failed', MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ MetricName: 'ExecutionsFailed' }) }) }),
        ]),
      );
    }
  });

  it('writes no partition or console host of its own: service integrations and the dashboard URL follow the stack', () => {
    const text = JSON.stringify(resources);

    expect(text).not.toMatch(/"arn:aws:/);
    expect(text).not.toContain('console.aws.amazon.com');
  });

  it('names each workflow machine by the stack, so that its ARN is known before it exists', () => {
    const names = ofType('AWS::StepFunctions::StateMachine').map(([, r]) => r.Properties.StateMachineName as string);

    expect(names).toEqual(expect.arrayContaining(['ReviewFixes_onboarding_workflow', 'ReviewFixes_order_fulfilment', 'ReviewFixes_send_confirmation']));
    expect(workflowNamePrefix('A'.repeat(128))).toMatch(/^A{6}-[0-9a-f]{8}_$/);
    expect(workflowNamePrefix('A'.repeat(128)).length + 64).toBeLessThanOrEqual(80);
  });
});
