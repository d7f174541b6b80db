/**
 * The embedded replay driver: jobs are recorded in the `jobs` table and run page by page by
 * core's `ReplayPageRunner` — the page the AWS driver state machine runs — over the event store,
 * the local bus and the embedded dead-letter table, one loop per job in the `JobRunner`. A job a
 * crash interrupted resumes from its cursor at the next start; re-emitted executions are named by
 * replay id and event, so none starts twice.
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
import { JobRunner, type JobSleep, type JobStep } from './job-runner.js';
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
  readonly #runner: JobRunner;
  /** What every job's page runner shares; each loop adds its own sleep, which a cancel of that job wakes. */
  readonly #pages: Omit<ReplayPageRunnerDeps, 'sleep'>;

  constructor(deps: ReplayJobsDeps) {
    const clock = { now: deps.now };
    this.#store = new SqliteReplayJobStore(deps.db, { writes: deps.writes });
    this.#pages = {
      jobs: this.#store,
      events: deps.events,
      emitter: new LocalBusReplayEmitter(deps.bus),
      deadLetters: new SqliteDeadLetterQueue(deps.db, { logger: deps.logger, clock, writes: deps.writes }),
      ruleSet: deps.ruleSet,
      ...(deps.rulesAsOf === undefined ? {} : { rulesAsOf: deps.rulesAsOf }),
      clock,
      // The local bus costs nothing per call: a paced job's entries go one by one, evenly spaced.
      limits: { pacedBurstSeconds: 0 },
    };
    this.#runner = new JobRunner({
      noun: 'replay',
      idField: 'replayId',
      store: this.#store,
      logger: deps.logger,
      now: deps.now,
      steps: (replayId, sleep) => this.#pageSteps(replayId, sleep),
      summary: ({ status, matched, emitted, failed }) => ({ status, matched, emitted, failed }),
    });
    const driver = { start: async (replayId: string) => this.#runner.launch(replayId) };
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
    await this.#runner.finished(replayId);
    return this.get(replayId);
  }

  /** Cancels a running job (its loop stops at its next write); a finished job is left as it is. */
  async cancel(replayId: string): Promise<StoredReplayJob> {
    const stored = await this.#jobs.cancel(replayId);
    // A woken page sends its entry early and then sees the cancel at its next write.
    this.#runner.wake(replayId);
    return stored;
  }

  /** At start-up: jobs a previous process left running continue from their cursors. */
  resume(): void {
    this.#runner.resume();
  }

  /** A job's pages, one a step, each from where the previous one left off, as the AWS driver state machine runs them. */
  #pageSteps(replayId: string, sleep: JobSleep): JobStep {
    const runner = new ReplayPageRunner({ ...this.#pages, sleep });
    let input: ReplayPageInput = { replayId, generation: 0, page: 0 };
    return async () => {
      const page = input;
      const result = await withBackoff(() => runner.run(page), { tries: 5 });
      if (!result.more) return { more: false };
      input = { replayId, generation: result.generation, page: result.page };
      return { more: true, waitMs: result.waitSeconds * 1000 };
    };
  }
}
