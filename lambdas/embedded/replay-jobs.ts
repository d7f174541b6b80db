/**
 * Replay jobs in the embedded engine: a loop over the time index a page at a time, its cursor and
 * counts persisted after each page, emitting through the in-process bus. A job interrupted by a
 * crash resumes from its cursor at the next start; re-emitted executions are named by replay id
 * and event, so none starts twice.
 */
import {
  NotFoundError,
  DRY_RUN_SAMPLE,
  newReplayJob,
  replayBusEntry,
  replayTriggers,
  type ReplayJob,
  type ReplayRequest,
  type RuleSet,
} from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { LocalBus } from './local-bus.js';
import type { Logger } from './logger.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { SqliteEventStore } from './sqlite-event-store.js';

const PAGE_SIZE = 500;

export interface ReplayJobsDeps {
  db: SqliteDatabase;
  events: SqliteEventStore;
  writes: GroupCommit;
  bus: LocalBus;
  ruleSet: RuleSet;
  logger: Logger;
  now: () => number;
  newId: () => string;
}

export class LocalReplayJobs {
  readonly #save;
  readonly #load;
  readonly #running;
  readonly #loops = new Map<string, Promise<ReplayJob>>();
  readonly #cancelled = new Set<string>();

  constructor(private readonly deps: ReplayJobsDeps) {
    this.#save = deps.db.prepare('INSERT INTO replays (replay_id, status, job) VALUES (?, ?, ?) ON CONFLICT (replay_id) DO UPDATE SET status = excluded.status, job = excluded.job');
    this.#load = deps.db.prepare<[string], { job: string }>('SELECT job FROM replays WHERE replay_id = ?');
    this.#running = deps.db.prepare<[], { job: string }>("SELECT job FROM replays WHERE status = 'running'");
  }

  /** Creates and starts a job; resolves once it is recorded (the loop runs on). */
  async start(request: ReplayRequest): Promise<ReplayJob> {
    const job = newReplayJob(this.deps.newId(), request, new Date(this.deps.now()).toISOString());
    await this.#persist(job);
    this.#loops.set(job.replayId, this.#loop(job));
    return job;
  }

  get(replayId: string): ReplayJob {
    const row = this.#load.get(replayId);
    if (!row) throw new NotFoundError(`No replay with id "${replayId}"`);
    return JSON.parse(row.job) as ReplayJob;
  }

  /** Resolves with the job once its loop has ended. */
  async finished(replayId: string): Promise<ReplayJob> {
    return (await this.#loops.get(replayId)) ?? this.get(replayId);
  }

  /** Stops a running job after its current page; a finished job is left as it is. */
  async cancel(replayId: string): Promise<ReplayJob> {
    const job = this.get(replayId);
    if (job.status !== 'running') return job;
    this.#cancelled.add(replayId);
    return this.finished(replayId);
  }

  /** At start-up: jobs a previous process left running continue from their cursors. */
  resume(): void {
    for (const row of this.#running.all()) {
      const job = JSON.parse(row.job) as ReplayJob;
      this.deps.logger.warn('resuming a replay from its cursor', { replayId: job.replayId, cursor: job.cursor });
      this.#loops.set(job.replayId, this.#loop(job));
    }
  }

  async #loop(job: ReplayJob): Promise<ReplayJob> {
    const { events, ruleSet, bus, logger } = this.deps;
    const { request, replayId } = job;
    const pacer = request.ratePerSecond === undefined ? undefined : new Pacer(request.ratePerSecond);
    try {
      for (;;) {
        if (this.#cancelled.has(replayId)) {
          job.status = 'cancelled';
          break;
        }
        const page = events.rangePage(request.startTime, request.endTime, job.cursor, PAGE_SIZE);
        for (const event of page) {
          if (this.#cancelled.has(replayId)) break;
          job.scanned++;
          job.cursor = { timestamp: event.timestamp, id: event.id };
          const triggers = replayTriggers(event, request, ruleSet, replayId);
          if (triggers.length === 0) continue;
          job.matched++;
          if (job.sample.length < DRY_RUN_SAMPLE) job.sample.push(event.id);
          if (request.dryRun) continue;
          for (const trigger of triggers) {
            if (pacer) await pacer.next();
            if (this.#cancelled.has(replayId)) break;
            if (bus.put(replayBusEntry(trigger)) > 0) job.emitted++;
            else job.failed++;
          }
        }
        if (this.#cancelled.has(replayId)) {
          job.status = 'cancelled';
          break;
        }
        if (page.length < PAGE_SIZE) {
          job.status = 'completed';
          break;
        }
        await this.#persist(job);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      job.status = 'failed';
      job.error = error instanceof Error ? error.message : String(error);
      logger.error('replay failed', { replayId, error: job.error });
    }
    job.finishedAt = new Date(this.deps.now()).toISOString();
    await this.#persist(job);
    this.#cancelled.delete(replayId);
    logger.info('replay finished', { replayId, status: job.status, matched: job.matched, emitted: job.emitted, failed: job.failed });
    return job;
  }

  #persist(job: ReplayJob): Promise<void> {
    const text = JSON.stringify(job);
    return this.deps.writes.submit(() => {
      this.#save.run(job.replayId, job.status, text);
    });
  }
}

/** Spaces out emissions so that at most `perSecond` happen in any second (on average). */
class Pacer {
  readonly #intervalMs: number;
  #next = 0;

  constructor(perSecond: number) {
    this.#intervalMs = 1000 / perSecond;
  }

  async next(): Promise<void> {
    const now = performance.now();
    if (this.#next === 0) this.#next = now;
    const wait = this.#next - now;
    this.#next = Math.max(this.#next, now) + this.#intervalMs;
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
