/**
 * The `DeadLetterQueue` port on SQS: where what the engine cannot process goes — a stream record
 * refused for its content (sent with the reason and its original bytes, and counted as handled, so
 * one poison record never holds up its shard or partition), a replay entry the bus refused, an
 * event the sweeper gave up on.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock, DeadLetter, DeadLetterQueue } from '../core/index.js';
import { classifySdkError } from './sdk-errors.js';

/** What the adapter is given; it reads no environment of its own. */
export interface SqsDeadLetterQueueOptions {
  client: SQSClient;
  queueUrl: string;
  clock?: Clock;
}

/** SQS's message size limit; the original data is cut to fit under it. */
export const MAX_SQS_MESSAGE_BYTES = 256 * 1024;
// Room for the envelope of the message around the data: reason, message, details, record, attributes.
const ENVELOPE_ALLOWANCE = 16 * 1024;

/**
 * `DeadLetterQueue` on SQS: one message per refused record, its body the JSON of the letter plus
 * `failedAt`; `reason` and `source` also as message attributes, for filtering and alarms.
 * @example await new SqsDeadLetterQueue({ client, queueUrl }).send({ source: 'kinesis', reason: 'validation_error', … })
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly clock: Clock;

  constructor(options: SqsDeadLetterQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.clock = options.clock ?? { now: Date.now };
  }

  async send(letter: DeadLetter): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(deadLetterBody(letter, this.clock.now())),
          MessageAttributes: {
            reason: { DataType: 'String', StringValue: letter.reason },
            source: { DataType: 'String', StringValue: letter.source },
          },
        }),
      );
    } catch (error) {
      throw classifySdkError(error, `sending a refused ${letter.source} record to the dead-letter queue`);
    }
  }
}

/** The message body: the letter, when it failed, and the data cut (and marked) if it would not fit. */
export function deadLetterBody(letter: DeadLetter, nowMs: number): Record<string, unknown> {
  const { data, ...rest } = letter;
  const body: Record<string, unknown> = { ...rest, details: letter.details.map(({ path, message }) => ({ path, message })), failedAt: new Date(nowMs).toISOString() };
  if (data === undefined) return body;
  const room = MAX_SQS_MESSAGE_BYTES - ENVELOPE_ALLOWANCE - Buffer.byteLength(JSON.stringify(body), 'utf8');
  if (data.length <= room) return { ...body, data };
  return { ...body, data: data.slice(0, Math.max(0, room - (room % 4))), dataTruncated: true, dataLength: data.length };
}
