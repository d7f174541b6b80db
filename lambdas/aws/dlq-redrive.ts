/**
 * Redriving one dead letter (`edwe dlq redrive`), by what it is (lambdas/aws/dead-letters.ts):
 * - a refused record → its original data ingested again (an event without an id gets one derived
 *   from the message, so redriving the same message twice stores it once);
 * - a stretch of a Kinesis stream → its records read back and ingested with the envelope defaults
 *   the Kinesis ingest derives, so the records it had stored before giving up are duplicates;
 * - a failed asynchronous invocation or an undelivered event → the function invoked again with it;
 * - a refused replay entry → put on the engine bus again;
 * - a parked event or a stretch of the router's stream → the sweeper asked to route (by id, or by a sweep);
 * - a flow-control wake-up → sent to the wake-up queue again, due now (waking a key again is harmless: it starts only what is due).
 * A Kafka batch cannot be read back from here: it is reported and kept.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { eventInputOf, httpErrorOf, normaliseEvent, parseJsonBody, type EventStore, type ReplayBusEntry } from '../core/index.js';
import type { DeadLetterMessage } from './dead-letters.js';
import { toPutEventsEntry } from './eventbridge-replay-emitter.js';
import { recordEnvelope } from './record-envelope.js';
import { SqsWakeUpScheduler } from './sqs-wake-ups.js';

/** What redriving needs; each part only for the messages that need it. */
export interface RedriveDeps {
  lambda: LambdaClient;
  /** The Events table's store (refused records, Kinesis batches). */
  events?: Pick<EventStore, 'put' | 'get'>;
  kinesis?: KinesisClient;
  eventBridge?: EventBridgeClient;
  /** The engine bus (refused replay entries). */
  eventBusName?: string;
  /** The sweeper function (parked events, router batches). */
  sweeperFunction?: string;
  /** Flow control's wake-up queue and a client for it (wake-ups). */
  wakeUps?: { sqs: SQSClient; queueUrl: string };
}

export type RedriveOutcome = { ok: true; done: string } | { ok: false; why: string };

const failed = (why: string): RedriveOutcome => ({ ok: false, why });

/**
 * @example const outcome = await new DeadLetterRedriver({ lambda, events, sweeperFunction }).redrive(classifyDeadLetter(message))
 */
export class DeadLetterRedriver {
  constructor(private readonly deps: RedriveDeps) {}

  /** Redrives one message. Never throws for the message's own trouble: the outcome says why it was not redriven. */
  async redrive(message: DeadLetterMessage, messageId: string): Promise<RedriveOutcome> {
    switch (message.kind) {
      case 'refused-record':
        if (message.data === undefined || message.truncated) return failed('the letter does not hold the whole original record');
        return this.ingest(message.data, `dlq/${message.source}/${messageId}`, receivedAtOf(message.record, message.failedAt));
      case 'failed-kinesis-batch':
        return this.rereadKinesis(message);
      case 'failed-invocation':
        return this.invoke(message.functionArn, message.payload);
      case 'undelivered-event':
        return this.invoke(message.targetArn, message.event);
      case 'refused-replay-entry':
        return this.republish(message.data);
      case 'parked-event':
        return this.sweep({ eventIds: [message.eventId] });
      case 'failed-router-batch':
        // The batch's events were never marked routed: the sweeper finds them (or has routed them already).
        return this.sweep({ sweep: true });
      case 'wake-up':
        return this.wakeAgain(message);
      case 'failed-kafka-batch':
        return failed('Kafka batches cannot be read back from here: reset the consumer group of the mapping to the offsets in the message');
      case 'unknown':
        return failed(message.why);
    }
  }

  private async ingest(data: string, identity: string, receivedAtMs: number): Promise<RedriveOutcome> {
    if (this.deps.events === undefined) return failed('no Events table to ingest into (give --stack or --events-table)');
    try {
      const event = normaliseEvent(eventInputOf(parseJsonBody(Buffer.from(data, 'base64').toString('utf8'))), recordEnvelope(identity, receivedAtMs));
      const { id, duplicate } = await this.deps.events.put(event);
      return { ok: true, done: duplicate ? `event ${id} was already stored` : `stored event ${id}` };
    } catch (error) {
      // The store's trouble (throttling, an outage) is not the record's: say so, the message is kept either way.
      if (httpErrorOf(error).status >= 500) return failed(`could not be stored now (${(error as Error).message}); try again later`);
      return failed(`still refused: ${(error as Error).message}`);
    }
  }

  private async rereadKinesis(batch: Extract<DeadLetterMessage, { kind: 'failed-kinesis-batch' }>): Promise<RedriveOutcome> {
    const { kinesis } = this.deps;
    if (kinesis === undefined) return failed('no Kinesis client');
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamARN: batch.streamArn,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: batch.startSequenceNumber,
      }),
    );
    let iterator = ShardIterator;
    const done: string[] = [];
    const problems: string[] = [];
    const end = BigInt(batch.endSequenceNumber);
    while (iterator !== undefined) {
      const page = await kinesis.send(new GetRecordsCommand({ StreamARN: batch.streamArn, ShardIterator: iterator }));
      const records = page.Records ?? [];
      for (const record of records) {
        if (BigInt(record.SequenceNumber ?? '0') > end) return summary(done, problems);
        // The identity the Kinesis ingest gives the record (`<stream ARN>/<shard>:<sequence>`), so what was stored is a duplicate.
        const identity = `${batch.streamArn}/${batch.shardId}:${record.SequenceNumber}`;
        const outcome = await this.ingest(
          Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
          identity,
          record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
        );
        (outcome.ok ? done : problems).push(outcome.ok ? outcome.done : `${record.SequenceNumber}: ${outcome.why}`);
      }
      if (records.length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
    return summary(done, problems);
  }

  private async invoke(functionArn: string, payload: unknown): Promise<RedriveOutcome & { answer?: unknown }> {
    const answer = await this.deps.lambda.send(
      new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
    if (answer.FunctionError !== undefined) return failed(`${functionArn} failed again: ${text}`);
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      parsed = text;
    }
    return { ok: true, done: `invoked ${functionArn}`, answer: parsed };
  }

  private async republish(data: string | undefined): Promise<RedriveOutcome> {
    if (data === undefined) return failed('the letter does not hold the entry');
    if (this.deps.eventBridge === undefined || this.deps.eventBusName === undefined) return failed('no engine bus (give --stack or --event-bus)');
    const entry = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as ReplayBusEntry;
    const answer = await this.deps.eventBridge.send(new PutEventsCommand({ Entries: [toPutEventsEntry(entry, this.deps.eventBusName)] }));
    const refused = answer.Entries?.[0];
    if ((answer.FailedEntryCount ?? 0) > 0) return failed(`the bus refused it again: ${refused?.ErrorCode ?? ''} ${refused?.ErrorMessage ?? ''}`.trim());
    return { ok: true, done: `put on ${this.deps.eventBusName} again` };
  }

  /** Sends the wake-up to the wake-up queue again, without a delay: its time has passed (or the consumer sends it on). */
  private async wakeAgain(wakeUp: Extract<DeadLetterMessage, { kind: 'wake-up' }>): Promise<RedriveOutcome> {
    if (this.deps.wakeUps === undefined) return failed('no wake-up queue (give --stack or --wake-up-queue)');
    const { sqs, queueUrl } = this.deps.wakeUps;
    const { ruleId, key, dueAt } = wakeUp;
    try {
      await new SqsWakeUpScheduler({ client: sqs, queueUrl, clock: { now: () => Date.now() } }).schedule([{ ruleId, key, dueAt }]);
    } catch (error) {
      return failed(`could not be sent to ${queueUrl} now (${(error as Error).message}); try again later`);
    }
    return { ok: true, done: `wake-up of ${ruleId}/${key} sent to the wake-up queue again` };
  }

  /** Asks the sweeper to route these events now (it answers each), or to sweep. */
  private async sweep(request: { eventIds: string[] } | { sweep: true }): Promise<RedriveOutcome> {
    if (this.deps.sweeperFunction === undefined) return failed('no sweeper function (give --stack or --sweeper)');
    const outcome = await this.invoke(this.deps.sweeperFunction, 'eventIds' in request ? request : {});
    if (!outcome.ok) return outcome;
    if (!('eventIds' in request)) return { ok: true, done: 'the sweeper swept the unrouted events' };
    const results = (outcome.answer as { results?: Array<{ eventId: string; outcome: string; error?: string }> } | undefined)?.results ?? [];
    const notRouted = results.filter((r) => r.outcome === 'failed');
    if (notRouted.length > 0 || results.length === 0)
      return failed(`the sweeper could not route ${notRouted.map((r) => `${r.eventId} (${r.error ?? 'no answer'})`).join(', ') || request.eventIds.join(', ')}`);
    return { ok: true, done: results.map((r) => `${r.eventId}: ${r.outcome === 'routed' ? 'routed' : 'already routed'}`).join(', ') };
  }
}

/** When the record arrived, as the stream ingest read it: Kinesis' arrival (seconds), Kafka's timestamp (ms), else when it failed. */
function receivedAtOf(record: Record<string, unknown>, failedAt: string | undefined): number {
  if (typeof record.approximateArrivalTimestamp === 'number') return Math.round(record.approximateArrivalTimestamp * 1000);
  if (typeof record.timestamp === 'number') return record.timestamp;
  const failed = failedAt === undefined ? Number.NaN : Date.parse(failedAt);
  return Number.isNaN(failed) ? Date.now() : failed;
}

const summary = (done: readonly string[], problems: readonly string[]): RedriveOutcome =>
  problems.length === 0
    ? { ok: true, done: `${done.length} records: ${done.join('; ') || 'none left in the stream'}` }
    : { ok: false, why: `${problems.length} records still refused: ${problems.join('; ')}` };
