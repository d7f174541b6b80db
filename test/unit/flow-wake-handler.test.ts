import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createFlowWakeHandler, wakeUpOf, type FlowWakeDeps } from '../../lambdas/aws/jobs/flow-wake.js';
import { RetryableError, ValidationError, type WakeUp } from '../../lambdas/core/index.js';

const NOW = Date.now();
const inMs = (ms: number) => new Date(NOW + ms).toISOString();
const aWakeUp = (ms: number, key = 'acct-1'): WakeUp => ({ ruleId: 'sync-account', key, dueAt: inMs(ms) });

const aRecord = (body: unknown, messageId: string): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(NOW), SenderId: 'x', ApproximateFirstReceiveTimestamp: String(NOW) },
  messageAttributes: {},
  md5OfBody: 'x',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:edwe-wake-ups',
  awsRegion: 'us-east-1',
});
const anEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** A consumer whose `wake` and scheduler record what they were given. */
function aConsumer(overrides: Partial<FlowWakeDeps> = {}) {
  const woken: WakeUp[] = [];
  const rescheduled: WakeUp[] = [];
  const metrics: string[] = [];
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const handler = createFlowWakeHandler({
    wake: async (wakeUp) => {
      woken.push(wakeUp);
    },
    scheduler: {
      schedule: async (wakeUps) => {
        rescheduled.push(...wakeUps);
      },
    },
    clock: { now: () => NOW },
    logger: silent,
    metrics: { addMetric: (name: string) => void metrics.push(name) } as unknown as NonNullable<FlowWakeDeps['metrics']>,
    ...overrides,
  });
  return { handler, woken, rescheduled, metrics };
}

describe('the flow-control wake-up consumer', () => {
  it('hands each due wake-up to the application and reports no failure', async () => {
    const { handler, woken, metrics } = aConsumer();

    const answer = await handler(anEvent(aRecord(aWakeUp(0, 'a'), 'm1'), aRecord(aWakeUp(-30_000, 'b'), 'm2')));

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(woken.map((w) => w.key).sort()).toEqual(['a', 'b']);
    expect(metrics).toEqual(['WakeUps', 'WakeUps']);
  });

  it('treats a wake-up less than a second early as due (SQS delays in whole seconds)', async () => {
    const { handler, woken, rescheduled } = aConsumer();

    await handler(anEvent(aRecord(aWakeUp(800), 'm1')));

    expect(woken).toEqual([aWakeUp(800)]);
    expect(rescheduled).toEqual([]);
  });

  it('sends a wake-up not yet due on again instead of waking, and counts it deferred', async () => {
    const { handler, woken, rescheduled, metrics } = aConsumer();

    const answer = await handler(anEvent(aRecord(aWakeUp(2 * 3_600_000), 'm1')));

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(woken).toEqual([]);
    expect(rescheduled).toEqual([aWakeUp(2 * 3_600_000)]);
    expect(metrics).toEqual(['WakeUpsDeferred']);
  });

  it('wakes one key one wake-up at a time, and different keys side by side', async () => {
    const active = new Map<string, number>();
    let most = 0;
    let mostOfOneKey = 0;
    const { handler } = aConsumer({
      wake: async (wakeUp) => {
        active.set(wakeUp.key, (active.get(wakeUp.key) ?? 0) + 1);
        most = Math.max(
          most,
          [...active.values()].reduce((a, b) => a + b, 0),
        );
        mostOfOneKey = Math.max(mostOfOneKey, ...active.values());
        await new Promise((resolve) => setImmediate(resolve));
        active.set(wakeUp.key, (active.get(wakeUp.key) ?? 0) - 1);
      },
    });

    await handler(anEvent(aRecord(aWakeUp(0, 'a'), 'm1'), aRecord(aWakeUp(-1, 'a'), 'm2'), aRecord(aWakeUp(0, 'b'), 'm3')));

    expect(mostOfOneKey).toBe(1);
    expect(most).toBe(2);
  });

  it('reports only the message whose wake failed, so SQS delivers it again', async () => {
    const { handler } = aConsumer({
      wake: async (wakeUp) => {
        if (wakeUp.key === 'b') throw new RetryableError('the State table throttled');
      },
    });

    const answer = await handler(anEvent(aRecord(aWakeUp(0, 'a'), 'm1'), aRecord(aWakeUp(0, 'b'), 'm2'), aRecord(aWakeUp(0, 'c'), 'm3')));

    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
  });

  it('reports a message that could not be sent on, so it is not lost', async () => {
    const { handler } = aConsumer({
      scheduler: {
        schedule: async () => {
          throw new RetryableError('SQS throttled');
        },
      },
    });

    const answer = await handler(anEvent(aRecord(aWakeUp(3_600_000), 'm1')));

    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });

  it('reports a message that is not a wake-up (it reaches the dead-letter queue after its receives) and wakes the others', async () => {
    const { handler, woken, metrics } = aConsumer();

    const answer = await handler(anEvent(aRecord('not json', 'm1'), aRecord({ ruleId: 'r', key: 'k' }, 'm2'), aRecord(aWakeUp(0), 'm3')));

    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(woken).toEqual([aWakeUp(0)]);
    expect(metrics.filter((m) => m === 'WakeUpsFailed')).toHaveLength(2);
  });
});

describe('wakeUpOf', () => {
  it('reads the wake-up of a message body', () => {
    expect(wakeUpOf({ messageId: 'm1', body: JSON.stringify(aWakeUp(5_000)) })).toEqual(aWakeUp(5_000));
  });

  it('names what is wrong with a body that is not a wake-up', () => {
    expect(() => wakeUpOf({ messageId: 'm1', body: '{' })).toThrow(ValidationError);
    expect(() => wakeUpOf({ messageId: 'm2', body: JSON.stringify({ ruleId: '', key: 'k', dueAt: 'soon' }) })).toThrow(
      /message m2 is not a wake-up: body\.ruleId .*body\.dueAt/,
    );
  });
});
