/**
 * Flow control on the AWS home, end to end with a fake clock: the router handler (a DynamoDB stream batch) and the
 * wake-up consumer (SQS batches) over core's FlowControl, its state and the execution records on dynalite, starts
 * through the production starter with StartExecution stubbed, and the wake-up queue played by an in-memory SQS that
 * delays each message as SqsWakeUpScheduler asks (at most 15 minutes).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/aws/dynamodb-event-store.js';
import { createFlowWakeHandler } from '../../lambdas/aws/jobs/flow-wake.js';
import { delaySecondsFor, wakeUpBody } from '../../lambdas/aws/sqs-wake-ups.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { compileRules, FlowControl, parseRules, type EngineEvent, type WakeUp, type WorkflowInput } from '../../lambdas/core/index.js';
import { awsFlowParts, stubStartExecution } from '../support/aws-flow-parts.js';
import { useDynalite } from '../support/dynalite.js';
import { streamEvent, streamRecord } from '../support/stream-records.js';

const RULES = `rules:
  - id: sync-account
    eventType: account.changed
    workflow: sync_account
    debounce: { period: 2s, key: data.accountId }
  - id: build-report
    eventType: report.requested
    workflow: build_report
    throttle: { limit: 2, period: 1s, key: data.tenant }
`;
const START = Date.parse(new Date().toISOString().slice(0, 10)) + 3_600_000;

const dynalite = useDynalite();
const sfn = mockClient(SFNClient);
afterAll(() => sfn.restore());

/** The engine's AWS pieces on one clock; `advance` moves time on and delivers the wake-ups SQS would have made visible. */
async function anAwsEngine() {
  let now = START;
  const clock = { now: () => now };
  const { executions, store, starter } = await awsFlowParts(dynalite, clock);
  // SQS as the scheduler uses it: each message visible DelaySeconds after it was sent.
  const queue: Array<{ body: string; visibleAt: number; id: number }> = [];
  let sent = 0;
  const wakeUps = {
    schedule: async (list: readonly WakeUp[]) => {
      for (const w of list) queue.push({ body: wakeUpBody(w), visibleAt: now + delaySecondsFor(w.dueAt, now) * 1000, id: ++sent });
    },
  };
  const ruleSet = compileRules(parseRules(RULES, 'flow.yaml'));
  const flow = new FlowControl({ ruleSet, store, wakeUps, starter, executions, clock });
  const silent = new Logger({ logLevel: 'SILENT' });
  const route = createRouterHandler({ ruleSet, starter, flow, logger: silent, clock }, 1);
  const wake = createFlowWakeHandler({ wake: (w) => flow.wake(w), scheduler: wakeUps, clock, logger: silent });
  let seq = 0;

  const deliver = async (): Promise<void> => {
    for (;;) {
      const visible = queue.filter((m) => m.visibleAt <= now);
      if (visible.length === 0) return;
      for (const m of visible) queue.splice(queue.indexOf(m), 1);
      const event: SQSEvent = {
        Records: visible.map((m) => ({
          messageId: `m-${m.id}`,
          receiptHandle: `r-${m.id}`,
          body: m.body,
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
          messageAttributes: {},
          md5OfBody: 'x',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:wake-ups',
          awsRegion: 'us-east-1',
        })),
      };
      expect(await wake(event)).toEqual({ batchItemFailures: [] });
    }
  };

  return {
    /** Routes events as the stream delivers them, each stored `now`. */
    route: async (...events: EngineEvent[]) => {
      const records = events.map((e) => streamRecord({ ...toItem(e, { receivedAtMs: now, retentionDays: 30 }) }, { sequenceNumber: String(++seq) }));
      expect(await route(streamEvent(...records))).toEqual({ batchItemFailures: [] });
    },
    advance: async (ms: number) => {
      now += ms;
      await deliver();
    },
    now: () => now,
    executions,
  };
}

/** The StartExecution calls made so far: the execution's name and its input's event. */
const starts = () =>
  sfn
    .commandCalls(StartExecutionCommand)
    .map((call) => ({ name: call.args[0].input.name as string, event: (JSON.parse(call.args[0].input.input as string) as WorkflowInput).event }));

const anEvent = (type: string, id: string, at: number, data: Record<string, unknown>): EngineEvent => ({
  id,
  type,
  source: 'test',
  timestamp: new Date(at).toISOString(),
  data,
});

describe('flow control on AWS (router → State table → wake-up queue → wake-up consumer), fake clock', () => {
  beforeEach(() => stubStartExecution(sfn));

  it('debounce: ten changes of one account within a second start one execution, with the last event, 2 s after it; two accounts start two', async () => {
    const engine = await anAwsEngine();
    for (let i = 0; i < 10; i++) {
      await engine.route(anEvent('account.changed', `a1-${i}`, engine.now(), { accountId: 'acct-1', n: i }));
      if (i === 4) await engine.route(anEvent('account.changed', 'a2-0', engine.now(), { accountId: 'acct-2' }));
      await engine.advance(100);
    }
    expect(starts()).toEqual([]);

    await engine.advance(1_950);

    expect(
      starts()
        .map((s) => s.event.id)
        .sort(),
    ).toEqual(['a1-9', 'a2-0']);
    await engine.advance(10_000);
    expect(starts()).toHaveLength(2);
    const started = await engine.executions.get(starts().find((s) => s.event.id === 'a1-9')?.name as string);
    expect(started?.status).toBe('RUNNING');
  });

  it('throttle 2/s: ten requests of one tenant start two at once and the rest as slots open, in event order, over at least 4 s', async () => {
    const engine = await anAwsEngine();
    const events = Array.from({ length: 10 }, (_, i) => anEvent('report.requested', `r-${i}`, engine.now() + i, { tenant: 'acme' }));
    await engine.route(...events);
    expect(starts()).toHaveLength(2);

    const seenAt: number[] = [];
    for (let step = 0; step < 20 && starts().length < 10; step++) {
      const before = starts().length;
      await engine.advance(250);
      for (let i = before; i < starts().length; i++) seenAt.push(engine.now() - START);
    }

    expect(starts().map((s) => s.event.id)).toEqual(events.map((e) => e.id));
    expect(Math.max(...seenAt)).toBeGreaterThanOrEqual(4_000);
  });
});
