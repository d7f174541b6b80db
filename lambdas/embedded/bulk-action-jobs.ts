/**
 * The embedded driver of bulk actions: core's `BulkActions` on the replay job store's SQLite adapter (the `jobs`
 * table's `bulk-action` rows), one loop per action in the `JobRunner`. An action a crash interrupted resumes from its
 * cursor at the next start.
 */
import { BulkActions, type BulkActionRequest, type BulkActionView, type BulkActionsDeps, type ExecutionActions, type Logger } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import { JobRunner, type JobStep } from './job-runner.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { SqliteExecutionStore } from './sqlite-execution-store.js';
import { SqliteReplayJobStore } from './sqlite-replay-job-store.js';

export interface LocalBulkActionsDeps {
  db: SqliteDatabase;
  writes: GroupCommit;
  executions: SqliteExecutionStore;
  actions: Pick<ExecutionActions, 'stop' | 'redrive' | 'resendRedrive'>;
  logger: Logger;
  now: () => number;
  newId: () => string;
  retentionDays?: number;
}

export class LocalBulkActions {
  readonly #bulk: BulkActions;
  readonly #runner: JobRunner;

  constructor(deps: LocalBulkActionsDeps) {
    const store = new SqliteReplayJobStore(deps.db, { writes: deps.writes, kind: 'bulk-action' });
    const shared: Omit<BulkActionsDeps, 'sleep'> = {
      jobs: store,
      executions: deps.executions,
      actions: deps.actions,
      clock: { now: deps.now },
      newId: deps.newId,
      retentionDays: deps.retentionDays ?? 30,
    };
    // Starting, reading and cancelling never wait; a loop's runs pace themselves with the loop's own sleep.
    this.#bulk = new BulkActions({ ...shared, sleep: async () => undefined });
    this.#runner = new JobRunner({
      noun: 'bulk action',
      idField: 'actionId',
      store,
      logger: deps.logger,
      now: deps.now,
      steps: (actionId, sleep) => runSteps(new BulkActions({ ...shared, sleep }), actionId),
      summary: ({ status, matched, emitted, failed }) => ({ status, matched, done: emitted, failed }),
    });
  }

  /** Records the action and starts its loop (a dry run is complete at once). */
  async start(request: BulkActionRequest): Promise<BulkActionView> {
    const view = await this.#bulk.start(request);
    if (view.status === 'running') this.#runner.launch(view.actionId);
    return view;
  }

  /** @throws NotFoundError when there is no such action. */
  get(actionId: string): Promise<BulkActionView> {
    return this.#bulk.get(actionId);
  }

  /** Cancels a running action; its loop, woken from its pace, stops before the next execution. */
  async cancel(actionId: string): Promise<BulkActionView> {
    const view = await this.#bulk.cancel(actionId);
    this.#runner.wake(actionId);
    return view;
  }

  /** Resolves once the action's loop has ended (tests, the CLI's `--wait`). */
  async finished(actionId: string): Promise<BulkActionView> {
    await this.#runner.finished(actionId);
    return this.#bulk.get(actionId);
  }

  /** At start-up: actions a previous process left running continue from their cursors. */
  resume(): void {
    this.#runner.resume();
  }
}

/** One run a step: without a budget a run goes to the action's end, so its answer is the job's. */
function runSteps(bulk: BulkActions, actionId: string): JobStep {
  return async () => ({ more: await bulk.run(actionId) });
}
