/**
 * The embedded job runner: one loop per running job — a replay, a bulk action — that calls the job's step until it
 * answers that nothing is left, as the AWS driver state machine calls its page task. A job a previous process left
 * running is resumed at start; a step that keeps failing marks its job failed. Every wait of a job's loop, between
 * steps or inside one (the pacer's), is woken by `wake`, so a cancel is seen at once rather than after the pace.
 */
import type { ReplayJob, ReplayJobStore } from '../core/index.js';
import type { Logger } from './logger.js';

/** What one step answers: whether the job goes on, and how long to wait before its next step. */
export interface JobStepResult {
  more: boolean;
  waitMs?: number;
}

/** One job's steps: called again while it answers `more`; what a step hands the next (a page cursor) lives in its closure. */
export type JobStep = () => Promise<JobStepResult>;

/** A wait of one job's loop; it ends early when the job is woken. */
export type JobSleep = (ms: number) => Promise<void>;

export interface JobRunnerDeps {
  /** What the logs call one job: `replay`, `bulk action`. */
  noun: string;
  /** The log field that names the job: `replayId`, `actionId`. */
  idField: string;
  /** The jobs of this kind: read at the end of a loop, marked failed, and listed to resume. */
  store: Pick<ReplayJobStore, 'get' | 'finish'> & { running(): Array<{ job: ReplayJob }> };
  logger: Logger;
  now: () => number;
  /** The steps of one job's loop; `sleep` is the job's own wait, for its step to pace itself with. */
  steps: (jobId: string, sleep: JobSleep) => JobStep;
  /** The fields the "finished" log line carries. */
  summary: (job: ReplayJob) => Record<string, unknown>;
}

/**
 * @example const runner = new JobRunner({ noun: 'replay', idField: 'replayId', store, logger, now, steps, summary }); runner.launch(id)
 */
export class JobRunner {
  readonly #loops = new Map<string, Promise<void>>();
  /** Each job's waits in progress, so that waking one job leaves the others' pace alone. */
  readonly #sleeps = new Map<string, Set<() => void>>();

  constructor(private readonly deps: JobRunnerDeps) {}

  /** Starts the job's loop unless one runs already (a resume and a start never drive one job twice). */
  launch(jobId: string): void {
    if (this.#loops.has(jobId)) return;
    const loop = this.#drive(jobId).finally(() => this.#loops.delete(jobId));
    this.#loops.set(jobId, loop);
    // The loop catches what its steps throw; this keeps a failing store at the very end from going unhandled.
    loop.catch((error: unknown) => this.deps.logger.error(`${this.deps.noun} loop failed`, { [this.deps.idField]: jobId, error: String(error) }));
  }

  /** At start-up: jobs a previous process left running continue from their cursors. */
  resume(): void {
    for (const { job } of this.deps.store.running()) {
      this.deps.logger.warn(`resuming a ${this.deps.noun} from its cursor`, { [this.deps.idField]: job.replayId, cursor: job.cursor });
      this.launch(job.replayId);
    }
  }

  /** Resolves once the job's loop has ended (at once when none runs). */
  async finished(jobId: string): Promise<void> {
    await this.#loops.get(jobId)?.catch(() => undefined);
  }

  /** Ends the job's waits now (after a cancel: its next write sees the job stopped). */
  wake(jobId: string): void {
    for (const wake of [...(this.#sleeps.get(jobId) ?? [])]) wake();
  }

  async #drive(jobId: string): Promise<void> {
    const sleep: JobSleep = (ms) => this.#sleep(jobId, ms);
    const step = this.deps.steps(jobId, sleep);
    try {
      for (;;) {
        const { more, waitMs = 0 } = await step();
        if (!more) break;
        await sleep(waitMs);
      }
    } catch (error) {
      await this.#fail(jobId, error);
    }
    const stored = await this.deps.store.get(jobId);
    if (stored !== undefined) this.deps.logger.info(`${this.deps.noun} finished`, { [this.deps.idField]: jobId, ...this.deps.summary(stored.job) });
  }

  /** A step kept failing: the job is marked failed with the cause (unless it stopped meanwhile, e.g. cancelled). */
  async #fail(jobId: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.deps.logger.error(`${this.deps.noun} failed`, { [this.deps.idField]: jobId, error: message });
    const stored = await this.deps.store.get(jobId);
    if (stored?.job.status === 'running') await this.deps.store.finish(jobId, stored.version, 'failed', new Date(this.deps.now()).toISOString(), message);
  }

  #sleep(jobId: string, ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    const sleeps = this.#sleeps.get(jobId) ?? new Set<() => void>();
    this.#sleeps.set(jobId, sleeps);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleeps.delete(wake);
        if (sleeps.size === 0 && this.#sleeps.get(jobId) === sleeps) this.#sleeps.delete(jobId);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleeps.add(wake);
    });
  }
}
