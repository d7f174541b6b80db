/**
 * Puts replayed events on the engine bus with `PutEvents`, in order: calls of at most 10 entries and
 * 256 KiB; entries the bus throttles or fails internally are resent (with exponential backoff) before
 * any later entry is sent; entries refused for good are returned with their reason, for the caller
 * to count and dead-letter.
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { RetryableError, type EmitResult, type ReplayBusEntry, type ReplayEmitter } from '../core/index.js';
import { isRetryableSdkError } from './sdk-errors.js';

/** PutEvents takes at most this many entries per call. */
export const MAX_ENTRIES_PER_CALL = 10;
/** PutEvents takes at most this many bytes per call (entry sizes as EventBridge counts them). */
export const MAX_REQUEST_BYTES = 256 * 1024;
/** Per-entry error codes that a resend can cure. */
export const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set(['ThrottlingException', 'InternalFailure']);

export interface EventBridgeReplayEmitterOptions {
  client: EventBridgeClient;
  eventBusName: string;
  /** Sends of one call at most (the first included) before its entries are given up. Default 8. */
  maxAttempts?: number;
  /** The first backoff; each further one doubles, up to `maxDelayMs`. Defaults 100 ms and 5 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** The size of an entry as EventBridge counts it ("Calculating PutEvents event entry size"). */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  return (entry.Time === undefined ? 0 : 14) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0);
}

/** The PutEvents entry of a replayed event on this bus. */
export function toPutEventsEntry(entry: ReplayBusEntry, eventBusName: string): PutEventsRequestEntry {
  return { EventBusName: eventBusName, Source: entry.source, DetailType: entry['detail-type'], Time: new Date(entry.time), Detail: JSON.stringify(entry.detail) };
}

/**
 * `ReplayEmitter` on an EventBridge bus.
 * @example const { emitted, refused } = await new EventBridgeReplayEmitter({ client, eventBusName }).emit(entries)
 */
export class EventBridgeReplayEmitter implements ReplayEmitter {
  /** One PutEvents call's worth: a page's batch is then one call, and its record follows each call. */
  readonly maxEntriesPerCall = MAX_ENTRIES_PER_CALL;
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: EventBridgeReplayEmitterOptions) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /**
   * Sends the entries in order.
   * @throws RetryableError when the bus keeps throttling whole calls before any entry was taken
   * (nothing was sent: the caller's step can be retried as it is); the SDK's error when a call is
   * refused for good (access, validation).
   */
  async emit(entries: readonly ReplayBusEntry[]): Promise<EmitResult> {
    const result: EmitResult = { emitted: 0, refused: [], calls: 0 };
    let call: Array<{ entry: ReplayBusEntry; request: PutEventsRequestEntry }> = [];
    let callBytes = 0;
    const flush = async () => {
      if (call.length > 0) await this.send(call, result);
      call = [];
      callBytes = 0;
    };
    for (const entry of entries) {
      const request = toPutEventsEntry(entry, this.eventBusName);
      const size = entrySize(request);
      if (size > MAX_REQUEST_BYTES) {
        // Sent alone it would still be refused, and the whole call with it: it never goes out.
        await flush();
        result.refused.push({ entry, code: 'EntryTooLarge', message: `the entry is ${size} bytes; PutEvents takes at most ${MAX_REQUEST_BYTES}` });
        continue;
      }
      if (call.length === MAX_ENTRIES_PER_CALL || callBytes + size > MAX_REQUEST_BYTES) await flush();
      call.push({ entry, request });
      callBytes += size;
    }
    await flush();
    return result;
  }

  /** One call's entries until each is taken or refused: retryable failures are resent before returning. */
  private async send(call: Array<{ entry: ReplayBusEntry; request: PutEventsRequestEntry }>, result: EmitResult): Promise<void> {
    let pending = call;
    for (let attempt = 1; ; attempt++) {
      let answer;
      result.calls++;
      try {
        answer = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.request) }));
      } catch (error) {
        if (!isRetryableSdkError(error)) throw error;
        if (attempt < this.maxAttempts) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        const reason = error instanceof Error ? error.name : 'ThrottlingException';
        // Nothing taken yet: the caller's step can repeat all of it without sending anything twice.
        if (result.emitted === 0) throw new RetryableError(`PutEvents kept failing (${reason}) after ${attempt} attempts`, { cause: error });
        for (const { entry } of pending) result.refused.push({ entry, code: reason, message: `PutEvents kept failing after ${attempt} attempts` });
        return;
      }
      const retry: typeof pending = [];
      const codes: string[] = [];
      (answer.Entries ?? []).forEach((outcome, i) => {
        const sent = pending[i];
        if (sent === undefined) return;
        if (outcome.ErrorCode === undefined || outcome.ErrorCode === null) result.emitted++;
        else if (RETRYABLE_ENTRY_CODES.has(outcome.ErrorCode)) {
          retry.push(sent);
          codes.push(outcome.ErrorCode);
        } else result.refused.push({ entry: sent.entry, code: outcome.ErrorCode, message: outcome.ErrorMessage ?? outcome.ErrorCode });
      });
      if (retry.length === 0) return;
      if (attempt >= this.maxAttempts) {
        retry.forEach(({ entry }, i) => result.refused.push({ entry, code: codes[i] as string, message: `still failing after ${attempt} attempts` }));
        return;
      }
      await this.sleep(this.backoff(attempt));
      pending = retry;
    }
  }

  /** Exponential backoff with equal jitter: half the step, plus up to half again at random. */
  private backoff(attempt: number): number {
    const step = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + (this.random() * step) / 2);
  }
}
