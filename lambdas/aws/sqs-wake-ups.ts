/**
 * The `WakeUpScheduler` port on SQS: each wake-up is a message delayed until it is due. SQS delays a
 * message 15 minutes at most, so a wake-up due later is sent with the longest delay and sent again by
 * the consumer (lambdas/aws/jobs/flow-wake.ts) until it is due: a 1 h debounce costs four receipts.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from '../core/schema.js';
import { RetryableError, ValidationError, type Clock, type WakeUp, type WakeUpScheduler } from '../core/index.js';
import { classifySdkError } from './sdk-errors.js';

/** The longest delay SQS gives one message (`DelaySeconds`). */
export const MAX_DELAY_SECONDS = 900;
/** Entries SendMessageBatch takes at most. */
const BATCH_ENTRIES = 10;

/** A wake-up as its message's body carries it. */
export const WakeUpMessage = z.object({
  ruleId: z.string().check(z.minLength(1)),
  key: z.string(),
  dueAt: z.iso.datetime({ offset: true }),
});

/** The message body of a wake-up: its JSON, nothing more. */
export const wakeUpBody = (wakeUp: WakeUp): string => JSON.stringify({ ruleId: wakeUp.ruleId, key: wakeUp.key, dueAt: wakeUp.dueAt });

/** Seconds to delay a wake-up due at `dueAt`: the time left, rounded up, between 0 and MAX_DELAY_SECONDS. */
export function delaySecondsFor(dueAt: string, nowMs: number): number {
  const left = Math.ceil((Date.parse(dueAt) - nowMs) / 1000);
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, left));
}

/** What the adapter is given; it reads no environment of its own. */
export interface SqsWakeUpSchedulerOptions {
  client: SQSClient;
  queueUrl: string;
  clock: Clock;
}

/**
 * `WakeUpScheduler` on an SQS queue: SendMessageBatch, ten wake-ups a call, each delayed until it is due
 * (at most 15 minutes; see the module comment). Delivery is at least once, as the port allows.
 * @example await new SqsWakeUpScheduler({ client, queueUrl, clock }).schedule([{ ruleId: 'sync-account', key: 'a-1', dueAt }])
 */
export class SqsWakeUpScheduler implements WakeUpScheduler {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly clock: Clock;

  constructor(options: SqsWakeUpSchedulerOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.clock = options.clock;
  }

  /**
   * @throws ValidationError when a wake-up's `dueAt` is not an ISO 8601 time or its rule is unnamed (nothing is sent).
   * @throws RetryableError when SQS throttles or refuses some entries even on a second try.
   */
  async schedule(wakeUps: readonly WakeUp[]): Promise<void> {
    const unique = new Map<string, WakeUp>();
    wakeUps.forEach((wakeUp, i) => {
      const parsed = WakeUpMessage.safeParse(wakeUp);
      if (!parsed.success) {
        const details = parsed.error.issues.map((issue) => ({ path: `wakeUps[${i}].${issue.path.map(String).join('.')}`, message: issue.message }));
        throw new ValidationError(`wake-up ${i} cannot be scheduled: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
      }
      unique.set(wakeUpBody(wakeUp), wakeUp);
    });
    const now = this.clock.now();
    const entries = [...unique.entries()].map(
      ([body, wakeUp], i): SendMessageBatchRequestEntry => ({ Id: String(i), MessageBody: body, DelaySeconds: delaySecondsFor(wakeUp.dueAt, now) }),
    );
    const batches: SendMessageBatchRequestEntry[][] = [];
    for (let i = 0; i < entries.length; i += BATCH_ENTRIES) batches.push(entries.slice(i, i + BATCH_ENTRIES));
    await Promise.all(batches.map((batch) => this.sendBatch(batch)));
  }

  /** One SendMessageBatch; the entries SQS failed are sent once more, and what fails again is an error a retry may fix. */
  private async sendBatch(batch: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; attempt <= 2 && pending.length > 0; attempt++) {
      let failed: Array<{ Id?: string | undefined; Code?: string | undefined; SenderFault?: boolean | undefined }>;
      try {
        ({ Failed: failed = [] } = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending })));
      } catch (error) {
        throw classifySdkError(error, `scheduling ${pending.length} flow-control wake-ups`);
      }
      const sender = failed.filter((f) => f.SenderFault === true);
      // A refusal for the request's own content will not change on a retry.
      if (sender.length > 0) throw new ValidationError(`SQS refused ${sender.length} wake-ups: ${sender.map((f) => f.Code).join(', ')}`);
      const ids = new Set(failed.map((f) => f.Id));
      pending = pending.filter((entry) => ids.has(entry.Id));
    }
    if (pending.length > 0) throw new RetryableError(`SQS did not take ${pending.length} flow-control wake-ups after two tries`);
  }
}
