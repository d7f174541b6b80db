/**
 * The embedded driver of bulk actions: core's `BulkActions` on the replay job store's SQLite adapter (its
 * `bulk_actions` table), run in a loop per job. A job a crash interrupted resumes from its cursor at the next start.
 */
import { BulkActions, type BulkActionRequest, type BulkActionView, type ExecutionActions, type Logger } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { SqliteExecutionStore } from './sqlite-execution-store.js';
import { SqliteReplayJobStore } from './sqlite-replay-job-store.js';

export interface LocalBulkActionsDeps {
  db: SqliteDatabase;
  writes: GroupCommit;
  executions: SqliteExecutionStore;
  actions: Pick<ExecutionActions, 'stop' | 'redrive'>;
  logger: Logger;
  now: () => number;
  newId: () => string;
  retentionDays?: number;
}

export class LocalBulkActions {
  readonly #store: SqliteReplayJobStore;
  readonly #bulk: BulkActions;
  readonly #loops = new Map<string, Promise<void>>();
  /** Wakes loops sleeping for their pace, so that a cancel is seen at once. */
  readonly #sleeps = new Set<() => void>();

  constructor(private readonly deps: LocalBulkActionsDeps) {
    this.#store = new SqliteReplayJobStore(deps.db, { writes: deps.writes, kind: 'bulk-action' });
    this.#bulk = new BulkActions({
      jobs: this.#store,
      executions: deps.executions,
      actions: deps.actions,
      clock: { now: deps.now },
      newId: deps.newId,
      sleep: (ms) => this.#sleep(ms),
      retentionDays: deps.retentionDays ?? 30,
    });
  }

  /** Records the action and starts its loop (a dry run is complete at once). */
  async start(request: BulkActionRequest): Promise<BulkActionView> {
    const view = await this.#bulk.start(request);
    if (view.status === 'running') this.#launch(view.actionId);
    return view;
  }

  /** @throws NotFoundError when there is no such action. */
  get(actionId: string): Promise<BulkActionView> {
    return this.#bulk.get(actionId);
  }

  async cancel(actionId: string): Promise<BulkActionView> {
    const view = await this.#bulk.cancel(actionId);
    for (const wake of [...this.#sleeps]) wake();
    return view;
  }

  /** Resolves once the action's loop has ended (tests, the CLI's `--wait`). */
  async finished(actionId: string): Promise<BulkActionView> {
    await this.#loops.get(actionId);
    return this.#bulk.get(actionId);
  }

  /** At start-up: actions a previous process left running continue from their cursors. */
  resume(): void {
    for (const { job } of this.#store.running()) {
      this.deps.logger.warn('resuming a bulk action from its cursor', { actionId: job.replayId, cursor: job.cursor });
      this.#launch(job.replayId);
    }
  }

  #launch(actionId: string): void {
    if (this.#loops.has(actionId)) return;
    const loop = this.#drive(actionId).finally(() => this.#loops.delete(actionId));
    this.#loops.set(actionId, loop);
  }

  async #drive(actionId: string): Promise<void> {
    try {
      while (await this.#bulk.run(actionId)) {
        // `run` without a budget runs to the end; a true answer only comes from a budget, which the embedded loop has not.
      }
      const view = await this.#bulk.get(actionId);
      this.deps.logger.info('bulk action finished', { actionId, status: view.status, matched: view.matched, done: view.done, failed: view.failed });
    } catch (error) {
      this.deps.logger.error('bulk action failed', { actionId, error: String(error) });
      const stored = await this.#store.get(actionId);
      if (stored?.job.status === 'running') await this.#store.finish(actionId, stored.version, 'failed', new Date(this.deps.now()).toISOString(), String(error));
    }
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleeps.add(wake);
    });
  }
}
