/**
 * Exactly-once starts in the embedded engine: the execution is recorded first (its name is the
 * primary key), and only a new record is launched on the local runner; an existing one means the
 * execution was started already — by an earlier routing of the same event, or before a restart.
 */
import { runningExecution, type Clock, type ExecutionStore, type StoredExecution, type Trigger, type WorkflowStarter } from '../core/index.js';

export interface EmbeddedWorkflowStarterOptions {
  executions: Pick<ExecutionStore, 'record'>;
  /** Runs a newly recorded execution (the engine's local runner). */
  launch: (execution: StoredExecution) => void;
  clock: Clock;
}

/**
 * `WorkflowStarter` on the embedded engine.
 * @example const { alreadyStarted } = await new EmbeddedWorkflowStarter({ executions, launch: (e) => runs.launch(e), clock }).start(trigger)
 */
export class EmbeddedWorkflowStarter implements WorkflowStarter {
  constructor(private readonly options: EmbeddedWorkflowStarterOptions) {}

  /** Records the trigger's execution and launches it, unless it was recorded already. */
  async start(trigger: Trigger): Promise<{ alreadyStarted: boolean }> {
    const startedAt = new Date(this.options.clock.now()).toISOString();
    if (!(await this.options.executions.record(trigger, startedAt))) return { alreadyStarted: true };
    // The record `record` has just written.
    this.options.launch(runningExecution(trigger, startedAt));
    return { alreadyStarted: false };
  }
}
