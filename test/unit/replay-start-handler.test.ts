import { Logger } from '@aws-lambda-powertools/logger';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { replayBusEntry, replayTriggers, ValidationError, type EngineEvent } from '../../lambdas/core/index.js';
import { createReplayStartHandler } from '../../lambdas/aws/eventbridge/replay-start.js';
import { replayStartDepsFromEnv } from '../../lambdas/aws/wiring/replay.js';
import { EnvironmentError } from '../../lambdas/aws/wiring/env.js';
import { eventBridgeEvent } from '../support/event-shapes.js';
import { replayRuleSet } from '../support/replay-fixtures.js';

const ONBOARDING_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:onboarding_workflow';
const REPLAY_ID = '01JREPLAY0000000000000000A';
const sfn = mockClient(SFNClient);
const silent = new Logger({ logLevel: 'SILENT' });

const premium: EngineEvent = { id: 'evt-1', type: 'user_registration', source: 'web', timestamp: '2026-11-24T10:00:00.000Z', data: { user_type: 'premium' } };

/** The event a per-workflow replay rule delivers for this stored event: what the replay page put on the bus. */
function deliveredReplay(event: EngineEvent) {
  const [trigger] = replayTriggers(event, { startTime: '2026-11-24T00:00:00.000Z', endTime: '2026-11-25T00:00:00.000Z', dryRun: false }, replayRuleSet(), REPLAY_ID);
  const entry = replayBusEntry(trigger!);
  return { trigger: trigger!, event: eventBridgeEvent({ source: entry.source, 'detail-type': entry['detail-type'], time: entry.time, detail: entry.detail }) };
}

describe('the replay start handler (target of the per-workflow replay rules)', () => {
  beforeEach(() => {
    sfn.reset();
  });

  const handler = () =>
    createReplayStartHandler({
      starter: new SfnWorkflowStarter({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArns: { onboarding_workflow: ONBOARDING_ARN } }),
      logger: silent,
    });

  it('starts the named execution of the workflow with the standard input marked with the replay id', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ONBOARDING_ARN}:x`, startDate: new Date() });
    const { trigger, event } = deliveredReplay(premium);

    const result = await handler()(event);

    expect(result).toEqual({ executionName: trigger.executionName, alreadyStarted: false });
    expect(trigger.executionName).toMatch(/^premium-onboarding-r-[0-9a-f]{16}$/);
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: ONBOARDING_ARN,
        name: trigger.executionName,
        input: JSON.stringify({ event: premium, rule: { id: 'premium-onboarding', priority: 100 }, correlationId: premium.id, replay: { replayId: REPLAY_ID } }),
      },
    ]);
  });

  it('counts an execution that already exists (a redelivered event) as started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    const result = await handler()(deliveredReplay(premium).event);

    expect(result.alreadyStarted).toBe(true);
  });

  it('refuses an event that is not a replayed event, starting nothing', async () => {
    await expect(handler()(eventBridgeEvent())).rejects.toBeInstanceOf(ValidationError);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('reads the state machine ARNs from the environment, naming what is missing', () => {
    expect(() => replayStartDepsFromEnv({})).toThrow(new EnvironmentError('Invalid environment: STATE_MACHINE_ARNS is not set'));
    expect(replayStartDepsFromEnv({ STATE_MACHINE_ARNS: JSON.stringify({ onboarding_workflow: ONBOARDING_ARN }) }).starter).toBeInstanceOf(SfnWorkflowStarter);
  });
});
