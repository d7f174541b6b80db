/** Starting workflow executions. */
import type { Trigger } from '../execution.js';

/** Starts workflow executions. Starting a name that already exists counts as success. */
export interface WorkflowStarter {
  /** @throws RetryableError when the service throttles or fails. */
  start(trigger: Trigger): Promise<{ alreadyStarted: boolean }>;
}
