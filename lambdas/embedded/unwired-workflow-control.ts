/**
 * The embedded engine's `WorkflowControl` until the runner's own is wired in: a stop leaves the runner alone (the
 * engine then records the end itself), and a redrive is refused with a clear 409.
 */
import { ConflictError, type RedriveOutcome, type WorkflowControl } from '../core/index.js';

export const unwiredWorkflowControl: WorkflowControl = {
  async stop(): Promise<boolean> {
    return false;
  },
  async redrive(execution): Promise<RedriveOutcome> {
    throw new ConflictError(`Execution "${execution.name}" cannot be redriven: this engine's runner does not resume executions yet`);
  },
};
