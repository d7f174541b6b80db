/** Acting on executions where they run (Step Functions on AWS, the embedded runner): stop one, redrive one. */
import type { StoredExecution } from './executions.js';

/** Why an execution was stopped, as Step Functions' `StopExecution` takes it. */
export interface StopCause {
  error: string;
  cause?: string;
}

/** How a redrive went: the same execution resumed at the state that failed, or (Express) a new one started with the original input. */
export type RedriveOutcome = { kind: 'resumed'; executionName: string; redriveCount: number } | { kind: 'restarted'; executionName: string; redriveCount: number };

/**
 * Stops and redrives executions. The end a stop causes (`ABORTED`) reaches the execution store and the lifecycle
 * events the same way every other end does; this port only acts where the execution runs.
 */
export interface WorkflowControl {
  /** Stops a running execution; false when it was not running there (ended already, or never started). */
  stop(execution: StoredExecution, cause: StopCause): Promise<boolean>;
  /**
   * Resumes a `FAILED`, `TIMED_OUT` or `ABORTED` execution from the state that failed, with that state's recorded input.
   * @throws ConflictError when it cannot be redriven (still running, succeeded, or past the runner's redrive window).
   */
  redrive(execution: StoredExecution): Promise<RedriveOutcome>;
}
