/**
 * The embedded replay driver: jobs are recorded in the `replays` table and run page by page by
 * core's `ReplayPageRunner` — the page the AWS driver state machine runs — over the event store,
 * the local bus and the embedded dead-letter table. A job a crash interrupted resumes from its
 * cursor at the next start; re-emitted executions are named by replay id and event, so none
 * starts twice.
 */
import {
  NotFoundError,
  ReplayJobs,
  ReplayPageRunner,
  type ReplayPageRunnerDeps,
  withBackoff,
  type ReplayJob,
  type ReplayPageInput,
  type ReplayRequest,
  type RuleSet,
  type StoredReplayJob,
} from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import { LocalBusReplayEmitter, type LocalBus } from './local-bus.js';
import type { Logger } from './logger.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { SqliteDeadLetterQueue } from './sqlite-dead-letter-queue.js';
import type { SqliteEventStore } from './sqlite-event-store.js';
import { SqliteReplayJobStore } from './sqlite-replay-job-store.js';

export interface ReplayJobsDeps {
  db: SqliteDatabase;
  events: SqliteEventStore;
  writes: GroupCommit;
  bus: LocalBus;
  ruleSet: RuleSet;
  /** The rules in force over time, for jobs asking `rules: "as-of-event"`. */
  rulesAsOf?: ReplayPageRunnerDeps['rulesAsOf'];
  logger: Logger;
  now: () => number;
  newId: () => string;
  /** How long a job's record is kept (as events are). Default 30 days. */
  retentionDays?: number;
}

export class LocalReplayJobs {
  readonly #store: SqliteReplayJobStore;
  readonly #jobs: ReplayJobs;
  readonly #runner: ReplayPageRunner;
  readonly #loops = new Map<string, Promise<ReplayJob>>();
  /** Wakes a driver waiting between pages (rate control), so a cancel is seen at once. */
  readonly #wakers = new Map<string, () => void>();
  /** Wakes pages sleeping for their pace inside a page, so a cancel does not wait out a slow job's interval. */
  readonly #pageSleeps = new Set<() => void>();

  constructor(private readonly deps: ReplayJobsDeps) {
    const clock = { now: deps.now };
    this.#store = new SqliteReplayJobStore(deps.db, { writes: deps.writes });
    this.#runner = new ReplayPageRunner({
      jobs: this.#store,
      events: deps.events,
      emitter: new LocalBusReplayEmitter(deps.bus),
      deadLetters: new SqliteDeadLetterQueue(deps.db, { logger: deps.logger, clock, writes: deps.writes }),
      ruleSet: deps.ruleSet,
      ...(deps.rulesAsOf === undefined ? {} : { rulesAsOf: deps.rulesAsOf }),
      clock,
      // The local bus costs nothing per call: a paced job's entries go one by one, evenly spaced.
      limits: { pacedBurstSeconds: 0 },
      sleep: (ms) => this.#pageSleep(ms),
    });
    const driver = { start: async (replayId: string) => this.#launch(replayId) };
    this.#jobs = new ReplayJobs({ jobs: this.#store, driver, clock, newId: deps.newId, retentionDays: deps.retentionDays ?? 30 });
  }

  /** Creates and starts a job; resolves once it is recorded (the loop runs on). */
  async start(request: ReplayRequest): Promise<ReplayJob> {
    return this.#jobs.start(request);
  }

  /** @throws NotFoundError when there is no such job. */
  get(replayId: string): ReplayJob {
    return this.stored(replayId).job;
  }

  /** The job with the failures it recorded (what `GET /replays/{id}` shows). @throws NotFoundError when there is no such job. */
  stored(replayId: string): StoredReplayJob {
    const stored = this.#store.getSync(replayId);
    if (stored === undefined) throw new NotFoundError(`No replay with id "${replayId}"`);
    return stored;
  }

  /** Resolves with the job once its loop has ended. */
  async finished(replayId: string): Promise<ReplayJob> {
    return (await this.#loops.get(replayId)) ?? this.get(replayId);
  }

  /** Cancels a running job (its loop stops at its next write); a finished job is left as it is. */
  async cancel(replayId: string): Promise<StoredReplayJob> {
    const stored = await this.#jobs.cancel(replayId);
    this.#wakers.get(replayId)?.();
    // A woken page sends its entry early and then sees the cancel at its next write.
    for (const wake of [...this.#pageSleeps]) wake();
    return stored;
  }

  /** At start-up: jobs a previous process left running continue from their cursors. */
  resume(): void {
    for (const { job } of this.#store.running()) {
      this.deps.logger.warn('resuming a replay from its cursor', { replayId: job.replayId, cursor: job.cursor });
      this.#launch(job.replayId);
    }
  }

  #launch(replayId: string): void {
    if (this.#loops.has(replayId)) return;
    const loop = this.#drive(replayId).finally(() => this.#loops.delete(replayId));
    this.#loops.set(replayId, loop);
    // Whoever awaits `finished` sees a failure; this keeps one nobody awaits from going unhandled.
    loop.catch((error: unknown) => this.deps.logger.error('replay loop failed', { replayId, error: String(error) }));
  }

  /** Runs pages until the job has ended, as the AWS driver state machine does. */
  async #drive(replayId: string): Promise<ReplayJob> {
    let input: ReplayPageInput = { replayId, generation: 0, page: 0 };
    try {
      for (;;) {
        const page = input;
        const result = await withBackoff(() => this.#runner.run(page), { tries: 5 });
        if (!result.more) break;
        if (result.waitSeconds > 0) await this.#wait(replayId, result.waitSeconds * 1000);
        input = { replayId, generation: result.generation, page: result.page };
      }
    } catch (error) {
      await this.#fail(replayId, error);
    }
    const job = this.get(replayId);
    this.deps.logger.info('replay finished', { replayId, status: job.status, matched: job.matched, emitted: job.emitted, failed: job.failed });
    return job;
  }

  /** A page kept failing: the job is marked failed with the cause (unless it stopped meanwhile). */
  async #fail(replayId: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.deps.logger.error('replay failed', { replayId, error: message });
    const stored = await this.#store.get(replayId);
    if (stored?.job.status === 'running') await this.#store.finish(replayId, stored.version, 'failed', new Date(this.deps.now()).toISOString(), message);
  }

  #pageSleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#pageSleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#pageSleeps.add(wake);
    });
  }

  #wait(replayId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(replayId);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.set(replayId, wake);
    });
  }
}
