import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { delaySecondsFor, MAX_DELAY_SECONDS, SqsWakeUpScheduler } from '../../lambdas/aws/sqs-wake-ups.js';
import { RetryableError, ValidationError, type WakeUp } from '../../lambdas/core/index.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/edwe-wake-ups';
const NOW = Date.now();
const sqs = mockClient(SQSClient);
const scheduler = () => new SqsWakeUpScheduler({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE_URL, clock: { now: () => NOW } });
const inMs = (ms: number) => new Date(NOW + ms).toISOString();
const aWakeUp = (ms: number, key = 'acct-1'): WakeUp => ({ ruleId: 'sync-account', key, dueAt: inMs(ms) });
const sentBatches = () => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);

describe('delaySecondsFor', () => {
  it('delays by the time left, rounded up to a whole second', () => {
    expect(delaySecondsFor(inMs(2_000), NOW)).toBe(2);
    expect(delaySecondsFor(inMs(1_200), NOW)).toBe(2);
  });

  it('sends a wake-up already due at once, and one due after 15 minutes with the longest delay SQS allows', () => {
    expect(delaySecondsFor(inMs(-5_000), NOW)).toBe(0);
    expect(delaySecondsFor(inMs(3_600_000), NOW)).toBe(MAX_DELAY_SECONDS);
  });
});

describe('SqsWakeUpScheduler', () => {
  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  });

  it('sends each wake-up as a message delayed until it is due, its body the wake-up', async () => {
    await scheduler().schedule([aWakeUp(2_000), aWakeUp(60_000, 'acct-2')]);

    expect(sentBatches()).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [
          { Id: '0', MessageBody: JSON.stringify(aWakeUp(2_000)), DelaySeconds: 2 },
          { Id: '1', MessageBody: JSON.stringify(aWakeUp(60_000, 'acct-2')), DelaySeconds: 60 },
        ],
      },
    ]);
  });

  it('sends a wake-up due in an hour with a 15-minute delay (the consumer sends it on)', async () => {
    await scheduler().schedule([aWakeUp(3_600_000)]);

    expect(sentBatches()[0]?.Entries?.[0]?.DelaySeconds).toBe(900);
    expect(JSON.parse(sentBatches()[0]?.Entries?.[0]?.MessageBody as string)).toEqual(aWakeUp(3_600_000));
  });

  it('sends ten wake-ups a call, and the same wake-up asked twice once', async () => {
    const wakeUps = Array.from({ length: 23 }, (_, i) => aWakeUp(1_000, `acct-${i}`));

    await scheduler().schedule([...wakeUps, aWakeUp(1_000, 'acct-0')]);

    expect(sentBatches().map((batch) => batch.Entries?.length)).toEqual([10, 10, 3]);
    const keys = sentBatches().flatMap((batch) => batch.Entries?.map((e) => (JSON.parse(e.MessageBody as string) as WakeUp).key));
    expect(keys).toEqual(wakeUps.map((w) => w.key));
  });

  it('sends nothing for no wake-ups', async () => {
    await scheduler().schedule([]);

    expect(sentBatches()).toEqual([]);
  });

  it('sends the entries SQS failed once more', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });

    await scheduler().schedule([aWakeUp(1_000, 'a'), aWakeUp(1_000, 'b')]);

    expect(sentBatches().map((batch) => batch.Entries?.map((e) => e.Id))).toEqual([['0', '1'], ['1']]);
  });

  it('throws RetryableError when SQS fails an entry twice, so the caller tries again', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });

    await expect(scheduler().schedule([aWakeUp(1_000)])).rejects.toBeInstanceOf(RetryableError);
    expect(sentBatches()).toHaveLength(2);
  });

  it('throws RetryableError when SQS throttles the call', async () => {
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestThrottled', $fault: 'client', $metadata: { httpStatusCode: 403 } }));

    await expect(scheduler().schedule([aWakeUp(1_000)])).rejects.toBeInstanceOf(RetryableError);
  });

  it('refuses a wake-up whose time is not an ISO 8601 time, naming it, and sends nothing', async () => {
    const bad = { ruleId: 'sync-account', key: 'a', dueAt: 'tomorrow' };

    const error = await scheduler()
      .schedule([aWakeUp(1_000), bad])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/wake-up 1 .*wakeUps\[1\]\.dueAt/);
    expect(sentBatches()).toEqual([]);
  });

  it('does not retry an entry SQS refused for its content', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true }] });

    await expect(scheduler().schedule([aWakeUp(1_000)])).rejects.toThrow(/refused 1 wake-ups: InvalidParameterValue/);
    expect(sentBatches()).toHaveLength(1);
  });
});
