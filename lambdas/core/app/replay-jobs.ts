/**
 * Starting, showing and cancelling replay jobs — what `POST/GET/DELETE /replays` do in both homes.
 * A job is recorded first and then handed to its driver (the driver state machine on AWS, the
 * embedded loop), which runs it page by page with `ReplayPageRunner`.
 */
import type { Clock } from '../clock.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { ReplayJobStore, StoredReplayJob } from '../ports/replay.js';
import { newReplayJob, parseReplayRequest, replayView, type ReplayContext, type ReplayJob, type ReplayRequest } from '../replay.js';

/** Runs a recorded job to its end, page by page, from the job's cursor. */
export interface ReplayDriver {
  /** Resolves once the driver has taken the job (not when the job ends). @throws when it could not be started. */
  start(replayId: string): Promise<void>;
}

export interface ReplayJobsDeps {
  jobs: Pick<ReplayJobStore, 'create' | 'get' | 'cancel' | 'finish'>;
  driver: ReplayDriver;
  clock: Clock;
  newId: () => string;
  /** Days events are kept: a job's record is kept as long as the events it could have read. */
  retentionDays: number;
}

/**
 * @example const job = await new ReplayJobs({ jobs, driver, clock, newId, retentionDays: 30 }).start(request)
 */
export class ReplayJobs {
  constructor(private readonly deps: ReplayJobsDeps) {}

  /**
   * Records a running job and starts its driver. A job whose driver cannot be started is marked
   * `failed` (a job nothing drives must not look as if it were running) and the driver's error thrown.
   * @throws ConflictError when the new id is taken; the driver's error.
   */
  async start(request: ReplayRequest): Promise<ReplayJob> {
    const { jobs, driver, clock } = this.deps;
    const now = clock.now();
    const job = newReplayJob(this.deps.newId(), request, new Date(now).toISOString());
    await jobs.create(job, Math.floor(now / 1000) + this.deps.retentionDays * 86_400);
    try {
      await driver.start(job.replayId);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await jobs.finish(job.replayId, 0, 'failed', new Date(clock.now()).toISOString(), `the replay driver could not be started: ${reason}`);
      throw error;
    }
    return job;
  }

  /** @throws NotFoundError when there is no such job. */
  async get(replayId: string): Promise<StoredReplayJob> {
    const stored = await this.deps.jobs.get(replayId);
    if (stored === undefined) throw new NotFoundError(`No replay with id "${replayId}"`);
    return stored;
  }

  /**
   * Cancels a running job: its driver stops at the step's next write. A job that has ended is
   * answered as it is.
   * @throws NotFoundError when there is no such job.
   */
  async cancel(replayId: string): Promise<StoredReplayJob> {
    return this.deps.jobs.cancel(replayId, new Date(this.deps.clock.now()).toISOString());
  }
}

/**
 * Validates a `POST /replays` body (see `parseReplayRequest`), and its rate against the deployment's
 * ceiling when there is one.
 * @throws ValidationError naming each problem.
 */
export function parseReplayStart(body: unknown, ctx: ReplayContext & { maxRatePerSecond?: number }): ReplayRequest {
  const request = parseReplayRequest(body, ctx);
  const ceiling = ctx.maxRatePerSecond;
  if (ceiling !== undefined && request.ratePerSecond !== undefined && request.ratePerSecond > ceiling) {
    const message = `must be at most ${ceiling}: this deployment's replay ceiling, which keeps replays inside the account's PutEvents quota`;
    throw new ValidationError(`Invalid replay: ratePerSecond: ${message}`, [{ path: 'ratePerSecond', message }]);
  }
  return request;
}

/** A job as `GET /replays/{id}` shows it: core's view, plus the refused entries recorded, when there are any. */
export function replayJobView(stored: StoredReplayJob): Record<string, unknown> {
  return { ...replayView(stored.job), ...(stored.failures.length > 0 ? { failures: stored.failures } : {}) };
}
