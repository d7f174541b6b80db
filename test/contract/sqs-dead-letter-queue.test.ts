import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { SqsDeadLetterQueue } from '../../lambdas/aws/sqs-dead-letter-queue.js';
import { RetryableError, type DeadLetter } from '../../lambdas/core/index.js';
import { describeDeadLetterQueueContract } from './dead-letter-queue.contract.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/edwe-dead-letters';
const NOW = Date.parse('2026-11-24T10:00:00.000Z');
const sqs = mockClient(SQSClient);
const aQueue = () => new SqsDeadLetterQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE_URL, clock: { now: () => NOW } });
const sentMessages = () => sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);

describeDeadLetterQueueContract('SqsDeadLetterQueue (SendMessage stubbed)', async () => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  return {
    queue: aQueue(),
    kept: async () =>
      sentMessages().map((input) => {
        const { failedAt: _failedAt, ...letter } = JSON.parse(input.MessageBody as string) as DeadLetter & { failedAt: string };
        return letter;
      }),
  };
});

describe('SqsDeadLetterQueue', () => {
  it('sends one message to the queue: the letter and when it failed as the body, reason and source as attributes', async () => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const letter: DeadLetter = { source: 'replay', reason: 'MalformedDetail', message: 'Detail is malformed', details: [], record: { eventId: 'E1' } };

    await aQueue().send(letter);

    expect(sentMessages()).toEqual([
      {
        QueueUrl: QUEUE_URL,
        MessageBody: JSON.stringify({ ...letter, failedAt: new Date(NOW).toISOString() }),
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'MalformedDetail' }, source: { DataType: 'String', StringValue: 'replay' } },
      },
    ]);
  });

  it('throws RetryableError when SQS throttles', async () => {
    sqs.reset();
    sqs
      .on(SendMessageCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $retryable: { throttling: true }, $metadata: { httpStatusCode: 400 } }),
      );

    await expect(aQueue().send({ source: 'replay', reason: 'r', message: 'm', details: [], record: {} })).rejects.toBeInstanceOf(RetryableError);
  });
});
