/**
 * Flow-control wake-ups on moto's SQS: the production scheduler (wiring/flow.ts) sends each wake-up delayed until it is
 * due, and the wake-up consumer — handed the messages as Lambda's SQS mapping hands them — wakes the due ones and sends
 * a far one on for its next leg.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowWakeHandler } from '../../lambdas/aws/jobs/flow-wake.js';
import { MAX_DELAY_SECONDS } from '../../lambdas/aws/sqs-wake-ups.js';
import { wakeUpSchedulerFrom } from '../../lambdas/aws/wiring/flow.js';
import type { WakeUp } from '../../lambdas/core/index.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { createQueue, type Queue } from './support/messaging-resources.js';

/** Receives what is visible now (waiting up to `waitSeconds` for a first message), with its receive count. */
async function receive(aws: AwsClients, queue: Queue, waitSeconds = 0): Promise<Message[]> {
  const { Messages = [] } = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, MessageSystemAttributeNames: ['All'] }),
  );
  return Messages;
}

/** The messages as Lambda's SQS event source mapping delivers them. */
const asSqsEvent = (queue: Queue, messages: Message[]): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.MessageId as string,
    receiptHandle: m.ReceiptHandle as string,
    body: m.Body as string,
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: m.Attributes?.SentTimestamp ?? '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody as string,
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: 'us-east-1',
  })),
});

const delayed = async (aws: AwsClients, queue: Queue): Promise<number> => {
  const { Attributes } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
  return Number(Attributes?.ApproximateNumberOfMessagesDelayed);
};

describe('flow-control wake-ups on SQS (moto)', () => {
  let aws: AwsClients;
  let queue: Queue;
  const clock = { now: () => Date.now() };

  beforeAll(async () => {
    aws = awsClients();
    queue = await createQueue(aws, 'edwe-flow-wake-ups');
  });
  afterAll(() => aws.destroy());

  it('delivers a due wake-up at once and a wake-up due in 2 s only after its delay, then wakes each through the consumer', async () => {
    const scheduler = wakeUpSchedulerFrom({ FLOW_WAKE_QUEUE_URL: queue.url }, clock);
    const now = clock.now();
    const due: WakeUp = { ruleId: 'build-report', key: 'acme', dueAt: new Date(now).toISOString() };
    const soon: WakeUp = { ruleId: 'sync-account', key: 'a-1', dueAt: new Date(now + 2_000).toISOString() };

    await scheduler.schedule([due, soon]);

    const first = await receive(aws, queue);
    expect(first.map((m) => JSON.parse(m.Body as string))).toEqual([due]);
    expect(await delayed(aws, queue)).toBe(1);

    const later = await receive(aws, queue, 5);
    expect(later.map((m) => JSON.parse(m.Body as string))).toEqual([soon]);

    const woken: WakeUp[] = [];
    const handler = createFlowWakeHandler({ wake: async (w) => void woken.push(w), scheduler, clock });
    expect(await handler(asSqsEvent(queue, [...first, ...later]))).toEqual({ batchItemFailures: [] });
    expect(woken.map((w) => w.ruleId).sort()).toEqual(['build-report', 'sync-account']);
  });

  it('sends a wake-up due in an hour with the longest delay, and the consumer sends it on rather than waking early', async () => {
    const scheduler = wakeUpSchedulerFrom({ FLOW_WAKE_QUEUE_URL: queue.url }, clock);
    const inAnHour: WakeUp = { ruleId: 'welcome', key: 'u-1', dueAt: new Date(clock.now() + 3_600_000).toISOString() };
    await scheduler.schedule([inAnHour]);
    expect(await receive(aws, queue)).toEqual([]);
    expect(await delayed(aws, queue)).toBe(1);

    // The first leg ends: the consumer receives the message MAX_DELAY_SECONDS later, its wake-up still 45 minutes away.
    const arrived = asSqsEvent(queue, [{ MessageId: 'm-1', ReceiptHandle: 'r', Body: JSON.stringify(inAnHour), MD5OfBody: 'x' }]);
    const woken: WakeUp[] = [];
    const legClock = { now: () => clock.now() + MAX_DELAY_SECONDS * 1000 };
    const handler = createFlowWakeHandler({
      wake: async (w) => void woken.push(w),
      scheduler: wakeUpSchedulerFrom({ FLOW_WAKE_QUEUE_URL: queue.url }, legClock),
      clock: legClock,
    });

    expect(await handler(arrived)).toEqual({ batchItemFailures: [] });
    expect(woken).toEqual([]);
    expect(await delayed(aws, queue)).toBe(2);
  });
});
