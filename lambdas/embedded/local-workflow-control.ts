/**
 * `WorkflowControl` where the embedded engine runs executions: a stop aborts the run (it ends `ABORTED` through the
 * lifecycle, as every end does), a redrive reopens the record and resumes the run at its checkpoint — the state that
 * failed, with that state's recorded input — so the states before it do not run again.
 */
import { ConflictError, type RedriveOutcome, type StopCause, type StoredExecution, type WorkflowControl } from '../core/index.js';
import type { LocalExecutions } from './local-executions.js';
import { REDRIVABLE, type SqliteCheckpoints } from './sqlite-checkpoints.js';
import type { SqliteExecutionStore } from './sqlite-execution-store.js';

export interface LocalWorkflowControlDeps {
  runs: Pick<LocalExecutions, 'stop' | 'launch' | 'isRunning' | 'finished'>;
  checkpoints: Pick<SqliteCheckpoints, 'reopen'>;
  executions: Pick<SqliteExecutionStore, 'get'>;
}

/**
 * @example await engine.workflowControl.redrive(await engine.executions.get(name))
 */
export class LocalWorkflowControl implements WorkflowControl {
  /** Redrives under way: a second redrive of the same execution meanwhile is a conflict, not a second run. */
  readonly #redriving = new Set<string>();

  constructor(private readonly deps: LocalWorkflowControlDeps) {}

  /**
   * Aborts the execution if it runs here, and resolves once its end is recorded: `ABORTED`, with `cause` as its error
   * and the states it passed through, by the same end as every other (so a caller reading the record sees the end).
   */
  async stop(execution: StoredExecution, cause: StopCause): Promise<boolean> {
    if (!this.deps.runs.stop(execution.name, cause)) return false;
    await this.deps.runs.finished(execution.name);
    return true;
  }

  /**
   * Resumes a `FAILED`, `TIMED_OUT` or `ABORTED` execution at its checkpoint, with the workflow's whole timeout.
   * A record an application service has already set `RUNNING` again for this redrive is taken as it is.
   * @throws ConflictError when it runs, succeeded, or is being redriven already.
   */
  async redrive(execution: StoredExecution): Promise<RedriveOutcome> {
    const { name } = execution;
    const redrivable = (REDRIVABLE as readonly string[]).includes(execution.status) || execution.status === 'RUNNING';
    // The record says the run ended, but the run may still be winding down here (its end just written): wait for it
    // rather than refuse a redrive the record allows.
    if ((REDRIVABLE as readonly string[]).includes(execution.status) && !this.#redriving.has(name)) await this.deps.runs.finished(name);
    if (!redrivable || this.#redriving.has(name) || this.deps.runs.isRunning(name)) {
      throw new ConflictError(`Execution "${name}" cannot be redriven: it is ${this.deps.runs.isRunning(name) ? 'running' : execution.status}`);
    }
    this.#redriving.add(name);
    try {
      const redriveCount = await this.deps.checkpoints.reopen(name);
      const reopened = await this.deps.executions.get(name);
      if (redriveCount === undefined || reopened === undefined) throw new ConflictError(`Execution "${name}" cannot be redriven: it is ${reopened?.status ?? 'gone'}`);
      this.deps.runs.launch(reopened, { redriven: true });
      return { kind: 'resumed', executionName: name, redriveCount };
    } finally {
      this.#redriving.delete(name);
    }
  }
}
