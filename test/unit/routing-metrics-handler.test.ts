import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/aws/dynamodb-event-store.js';
import { PowertoolsEngineMetrics } from '../../lambdas/aws/powertools-engine-metrics.js';
import { RecordedWorkflowStarter } from '../../lambdas/aws/recorded-workflow-starter.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { compileRules, type EngineEvent, type Rule } from '../../lambdas/core/index.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { streamEvent, streamRecord } from '../support/stream-records.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Onboarding';
const RECEIVED = Date.parse('2026-08-01T10:00:00.000Z');
const RULES: Rule[] = [{ id: 'onboard', eventType: 'user_registration', workflow: 'onboarding_workflow', priority: 0, conditions: [], stop: false, enabled: true }];
const anEvent = (id: string): EngineEvent => ({ id, type: 'user_registration', source: 'web', timestamp: '2026-08-01T09:59:00.000Z', correlationId: 'acct-7', data: {} });

/** A Powertools Metrics stand-in (buffered metrics, and per-workflow ones with their dimension) behind the EMF adapter. */
function metricsRecorder() {
  const buffered: Array<[string, string, number]> = [];
  const single: Array<{ dimensions: Record<string, string>; name: string; value: number }> = [];
  const metrics = {
    addMetric: (name: string, unit: string, value: number) => void buffered.push([name, unit, value]),
    singleMetric: () => {
      const dimensions: Record<string, string> = {};
      const one = {
        addDimension: (key: string, value: string) => ((dimensions[key] = value), one),
        addMetric: (name: string, _unit: string, value: number) => void single.push({ dimensions, name, value }),
      };
      return one;
    },
  };
  return { buffered, single, metrics: new PowertoolsEngineMetrics(metrics as never) };
}

describe("the router's logs and metrics", () => {
  const sfn = mockClient(SFNClient);
  const starter = () => new SfnWorkflowStarter({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArns: { onboarding_workflow: ARN } });
  let lines: Array<{ message: string; fields: Record<string, unknown> }>;
  const logger = { info: (message: string, fields: Record<string, unknown>) => void lines.push({ message, fields }), warn: () => undefined, error: () => undefined };

  beforeEach(() => {
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:run`, startDate: new Date() });
    lines = [];
  });
  afterAll(() => sfn.restore());

  it('logs eventId, correlationId, ruleId and workflowId, and counts the routing, the rules, the lag, the latencies and the start by workflow', async () => {
    const seen = metricsRecorder();
    const route = createRouterHandler({ ruleSet: compileRules(RULES), starter: starter(), logger, metrics: seen.metrics, clock: { now: () => RECEIVED + 1500 } });
    const event = anEvent('01JMETRIC000001');

    await route(streamEvent(streamRecord({ ...toItem(event, { receivedAtMs: RECEIVED, retentionDays: 30 }) })));

    expect(lines).toEqual([
      {
        message: 'execution started',
        fields: expect.objectContaining({ eventId: event.id, correlationId: 'acct-7', ruleId: 'onboard', workflowId: 'onboarding_workflow', via: 'stream' }),
      },
      { message: 'event routed', fields: expect.objectContaining({ eventId: event.id, correlationId: 'acct-7', ruleIds: ['onboard'], lagMs: 1500 }) },
    ]);
    expect(seen.buffered).toEqual([
      ['ExecutionsStarted', 'Count', 1],
      ['StartLatency', 'Seconds', 1.5],
      ['EventsRouted', 'Count', 1],
      ['RulesMatched', 'Count', 1],
      ['RoutingLag', 'Milliseconds', 1500],
      ['RoutingLatency', 'Seconds', 1.5],
    ]);
    expect(seen.single).toEqual([
      { dimensions: { workflowId: 'onboarding_workflow' }, name: 'WorkflowsStarted', value: 1 },
      { dimensions: { ruleId: 'onboard' }, name: 'RuleMatches', value: 1 },
    ]);
  });

  it('counts a throttled start by workflow, each time it is tried', async () => {
    const seen = metricsRecorder();
    sfn
      .on(StartExecutionCommand)
      .rejects(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }));
    const throttled = new RecordedWorkflowStarter({
      starter: starter(),
      executions: { record: async () => undefined, claim: async () => ({ kind: 'started' }), confirm: async () => undefined, release: async () => undefined } as never,
      expressWorkflows: new Set(),
      backoff: { tries: 2, sleep: async () => undefined },
      onThrottled: (trigger) => seen.metrics.countForWorkflow('WorkflowsThrottled', trigger.workflowId),
    });
    const route = createRouterHandler({ ruleSet: compileRules(RULES), starter: throttled, logger, metrics: seen.metrics });

    const { batchItemFailures } = await route(streamEvent(streamRecord({ ...toItem(anEvent('01JMETRIC000002'), { receivedAtMs: RECEIVED, retentionDays: 30 }) })));

    expect(batchItemFailures).toHaveLength(1);
    expect(seen.single).toEqual([
      { dimensions: { workflowId: 'onboarding_workflow' }, name: 'WorkflowsThrottled', value: 1 },
      { dimensions: { workflowId: 'onboarding_workflow' }, name: 'WorkflowsThrottled', value: 1 },
    ]);
    expect(seen.buffered).toContainEqual(['RecordsFailed', 'Count', 1]);
  });
});
