/**
 * One page of a replay job, the same in both homes: claim the job, read the window in (timestamp, id)
 * order after the persisted cursor, select with today's rules, put the selected events on the bus in
 * that order, dead-letter what the bus refuses, and record cursor and counts after every batch. On
 * AWS the replay driver state machine calls it in a loop (one Lambda invocation a page); embedded,
 * the replay driver loop does. A step that crashes leaves the cursor at its last recorded batch, so
 * the next one sends nothing twice — except, if it crashed between a send and its record, that one
 * batch, whose executions then meet their existing names.
 */
import { Buffer } from 'node:buffer';
import type { Clock } from '../clock.js';
import { NotFoundError, RetryableError } from '../errors.js';
import type { DeadLetterQueue } from '../ports/dead-letters.js';
import type { EventStore } from '../ports/events.js';
import type { EngineMetrics } from '../ports/observability.js';
import { MAX_RECORDED_FAILURES, type ReplayEmitter, type ReplayFailure, type ReplayJobStore, type ReplayProgress } from '../ports/replay.js';
import { DRY_RUN_SAMPLE, replayBusEntry, replayTriggers, type ReplayBusEntry, type ReplayStatus } from '../replay.js';
import type { RuleSet } from '../rules/types.js';
import { eventsInWindow } from './event-window.js';
import { ReplayPacer } from './replay-pacer.js';
import type { RuleSetsAsOf } from './rules-as-of.js';

/** The driver's state between pages: the job, and which page of which execution generation this is. */
export interface ReplayPageInput {
  replayId: string;
  /** Executions of the driver so far for this job, minus one (see `continueAsNew`). */
  generation: number;
  page: number;
}

export interface ReplayPageResult extends ReplayPageInput {
  status: ReplayStatus;
  /** False once the job has ended (completed, cancelled, failed). */
  more: boolean;
  /** The driver should hand over to a new execution of itself (its history stays small). */
  continueAsNew: boolean;
  /** Seconds the driver should wait before the next page (rate control slower than a page's budget). */
  waitSeconds: number;
}

/** How much one page may do. */
export interface ReplayPageLimits {
  /** Entries put on the bus per page. Default 500. */
  maxEntries: number;
  /** Events read per page, selected or not. Default 5,000. */
  maxScanned: number;
  /** Wall time per page. Default 60 s (also kept inside the invocation's own deadline). */
  maxMillis: number;
  /** Pages per driver execution before it continues as a new one. Default 1,000. */
  maxPagesPerExecution: number;
  /**
   * Seconds' worth of entries one call of a paced job may carry. Default 1: on AWS each PutEvents
   * call counts against the account's quota, so a call carries up to a second's worth. The
   * embedded bus costs nothing per call and sets 0: entry by entry, evenly spaced.
   */
  pacedBurstSeconds: number;
}

export const DEFAULT_REPLAY_PAGE_LIMITS: ReplayPageLimits = { maxEntries: 500, maxScanned: 5000, maxMillis: 60_000, maxPagesPerExecution: 1000, pacedBurstSeconds: 1 };

export interface ReplayPageRunnerDeps {
  jobs: Pick<ReplayJobStore, 'get' | 'claim' | 'saveProgress' | 'finish'>;
  events: Pick<EventStore, 'range'>;
  emitter: ReplayEmitter;
  deadLetters: DeadLetterQueue;
  ruleSet: RuleSet;
  /** For jobs asking `rules: "as-of-event"`: the rule sets in force over time, read once a page (up to the window's end). */
  rulesAsOf?: (until: string) => Promise<RuleSetsAsOf>;
  /** The deployment's ceiling in entries per second: it caps every job, and paces jobs that name no rate. */
  maxRatePerSecond?: number;
  limits?: Partial<ReplayPageLimits>;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** Counts `ReplayEventsEmitted` and `ReplayEventsFailed` as each batch is answered, so a page that fails halfway still reports what it sent. */
  metrics?: EngineMetrics;
}

/** Why a page stopped short of its window's end. */
type Stop = { kind: 'limit' } | { kind: 'wait'; ms: number } | { kind: 'ended'; status: ReplayStatus } | { kind: 'lost' };

/**
 * Runs the pages of replay jobs, one `run` a page.
 * @example const result = await new ReplayPageRunner({ jobs, events: store, emitter, deadLetters, ruleSet }).run({ replayId, generation: 0, page: 0 })
 */
export class ReplayPageRunner {
  private readonly limits: ReplayPageLimits;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: ReplayPageRunnerDeps) {
    this.limits = { ...DEFAULT_REPLAY_PAGE_LIMITS, ...deps.limits };
    this.clock = deps.clock ?? { now: Date.now };
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The rules over time; a home without them refuses such a job at `POST /replays`, so one here is a wiring fault. */
  private async asOf(until: string): Promise<RuleSetsAsOf> {
    if (this.deps.rulesAsOf === undefined) throw new Error('this replay asks for the rules as of each event, and the page runner has no rule history');
    return this.deps.rulesAsOf(until);
  }

  /**
   * Runs one page. `deadline` (epoch ms) is when the invocation must have returned by.
   * @throws NotFoundError for an unknown job; RetryableError when another step holds the job or a
   * dependency keeps failing (the driver retries the page from the recorded cursor).
   */
  async run(input: ReplayPageInput, deadline = Number.POSITIVE_INFINITY): Promise<ReplayPageResult> {
    const { replayId } = input;
    const answer = (status: ReplayStatus, more: boolean, waitMs = 0): ReplayPageResult => {
      const continueAsNew = more && input.page + 1 >= this.limits.maxPagesPerExecution;
      return {
        replayId,
        generation: continueAsNew ? input.generation + 1 : input.generation,
        page: continueAsNew ? 0 : input.page + 1,
        status,
        more,
        continueAsNew,
        waitSeconds: Math.ceil(waitMs / 1000),
      };
    };

    const stored = await this.deps.jobs.get(replayId);
    if (stored === undefined) throw new NotFoundError(`No replay with id "${replayId}"`);
    if (stored.job.status !== 'running') return answer(stored.job.status, false);
    const claimed = await this.deps.jobs.claim(replayId, stored.version);
    if (claimed === undefined) {
      const now = await this.deps.jobs.get(replayId);
      if (now !== undefined && now.job.status !== 'running') return answer(now.job.status, false);
      throw new RetryableError(`another step holds replay ${replayId}; the page is retried`);
    }

    const { job } = claimed;
    const { request } = job;
    const ceiling = this.deps.maxRatePerSecond;
    const rate = request.ratePerSecond === undefined ? ceiling : Math.min(request.ratePerSecond, ceiling ?? Number.POSITIVE_INFINITY);
    const pacer = new ReplayPacer(rate, this.clock, claimed.pacedUntil);
    const batchSize = ReplayPacer.batchSize(rate, this.deps.emitter.maxEntriesPerCall, this.limits.pacedBurstSeconds);
    const budgetEnd = Math.min(this.clock.now() + this.limits.maxMillis, deadline);
    let version = claimed.version;
    // `work` runs ahead with the events read; it is recorded only when nothing read is still unsent.
    const work: ReplayProgress = {
      ...(job.cursor === undefined ? {} : { cursor: job.cursor }),
      matched: job.matched,
      emitted: job.emitted,
      failed: job.failed,
      scanned: job.scanned,
      sample: [...job.sample],
      failures: [...claimed.failures],
      ...(claimed.pacedUntil === undefined ? {} : { pacedUntil: claimed.pacedUntil }),
    };
    let buffer: ReplayBusEntry[] = [];
    const asOf = request.rules === 'as-of-event' ? await this.asOf(request.endTime) : undefined;

    const record = async (): Promise<Stop | undefined> => {
      const pacedUntil = pacer.next;
      const saved = await this.deps.jobs.saveProgress(replayId, version, { ...work, ...(pacedUntil === undefined ? {} : { pacedUntil }) });
      if (saved === undefined) return { kind: 'lost' };
      version = saved.version;
      return saved.job.status === 'running' ? undefined : { kind: 'ended', status: saved.job.status };
    };

    const flush = async (): Promise<Stop | undefined> => {
      if (buffer.length === 0) return record();
      const delay = pacer.delay();
      if (this.clock.now() + delay > budgetEnd) return { kind: 'wait', ms: delay };
      if (delay > 0) await this.sleep(delay);
      const result = await this.deps.emitter.emit(buffer);
      pacer.sent(buffer.length);
      buffer = [];
      work.emitted += result.emitted;
      work.failed += result.refused.length;
      this.deps.metrics?.count('ReplayEventsEmitted', result.emitted);
      this.deps.metrics?.count('ReplayEventsFailed', result.refused.length);
      for (const refused of result.refused) {
        const failure = failureOf(refused.entry, refused.code, refused.message);
        await this.deps.deadLetters.send({
          source: 'replay',
          reason: refused.code,
          message: refused.message,
          details: [],
          record: { replayId, eventId: failure.eventId, workflowId: failure.workflowId, executionName: failure.executionName },
          data: Buffer.from(JSON.stringify(refused.entry), 'utf8').toString('base64'),
        });
        if (work.failures.length < MAX_RECORDED_FAILURES) work.failures.push(failure);
      }
      return record();
    };

    let stop: Stop | undefined;
    let pageEntries = 0;
    let pageScanned = 0;
    for await (const event of eventsInWindow(this.deps.events, request.startTime, request.endTime, job.cursor)) {
      if (pageEntries >= this.limits.maxEntries || pageScanned >= this.limits.maxScanned || this.clock.now() >= budgetEnd) {
        stop = { kind: 'limit' };
        break;
      }
      const triggers = replayTriggers(event, request, asOf?.ruleSetAt(event.timestamp) ?? this.deps.ruleSet, replayId);
      const entries = request.dryRun ? [] : triggers.map(replayBusEntry);
      // Batches end at event boundaries: a recorded cursor never falls between an event's entries.
      if (buffer.length > 0 && buffer.length + entries.length > batchSize) {
        stop = await flush();
        if (stop !== undefined) break;
      }
      pageScanned++;
      pageEntries += entries.length;
      work.scanned++;
      work.cursor = { timestamp: event.timestamp, id: event.id };
      if (triggers.length > 0) {
        work.matched++;
        if (work.sample.length < DRY_RUN_SAMPLE) work.sample.push(event.id);
      }
      buffer.push(...entries);
      if (buffer.length >= batchSize) {
        stop = await flush();
        if (stop !== undefined) break;
      }
    }
    // Whatever read is still unsent goes now (or, when pacing says wait, is read again next page).
    if (stop === undefined || stop.kind === 'limit') stop = (await flush()) ?? stop;

    switch (stop?.kind) {
      case undefined: {
        const finished = await this.deps.jobs.finish(replayId, version, 'completed', new Date(this.clock.now()).toISOString());
        if (finished) return answer('completed', false);
        const now = await this.deps.jobs.get(replayId);
        return answer(now?.job.status ?? 'completed', false);
      }
      case 'limit':
        return answer('running', true);
      case 'wait':
        return answer('running', true, stop.ms);
      case 'ended':
        return answer(stop.status, false);
      case 'lost':
        // Another step claimed the job: it carries on from the recorded cursor; this one stops quietly.
        return answer('running', true);
    }
  }
}

/** What the job records of a refused entry. */
function failureOf(entry: ReplayBusEntry, reason: string, message: string): ReplayFailure {
  const { detail } = entry;
  return { eventId: detail.replay.originalEventId, workflowId: detail.workflowId, executionName: detail.executionName, reason, message };
}
