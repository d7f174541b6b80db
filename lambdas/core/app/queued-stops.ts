/**
 * Stopping a `QUEUED` execution (`POST /executions/{name}/stop`, a bulk stop): flow control holds it, nothing runs it
 * yet, so the stop is its record's end — as `cancelOn` drops a queued trigger. The end is written only while the record
 * is still QUEUED (one conditional write), so a start landing first wins and the stop goes on to stop the run. The
 * waiting trigger then leaves its bucket's queue at the next drain, which passes over a record that is no longer
 * `QUEUED` (flow-buckets.ts). */
import type { Clock } from '../clock.js';
import type { ExecutionStore, StoredExecution } from '../ports/executions.js';
import type { FlowStateStore } from '../ports/flow-control.js';
import type { EngineMetrics } from '../ports/observability.js';
import type { StopCause } from '../ports/workflow-control.js';
import type { QueuedExecutions } from './execution-actions.js';

export interface QueuedStopsDeps {
  executions: Pick<ExecutionStore, 'finishIfQueued'>;
  /** Where flow control notes the skip, for the event's routing explanation (`cancelled`). Without it nothing is noted. */
  skips?: Pick<FlowStateStore, 'noteSkip'>;
  metrics?: Pick<EngineMetrics, 'countLabelled'>;
  clock: Clock;
}

/**
 * The `queued` hook of `ExecutionActions`.
 * @example new ExecutionActions({ executions, control, lifecycle, clock, queued: queuedStops({ executions, skips: flowStore, clock }) })
 */
export function queuedStops(deps: QueuedStopsDeps): QueuedExecutions {
  return {
    async stop(execution: StoredExecution, cause: StopCause): Promise<boolean> {
      const stoppedAt = new Date(deps.clock.now()).toISOString();
      // A trigger flow control started since the caller's read runs somewhere: false, and the caller stops it there.
      if (!(await deps.executions.finishIfQueued(execution.name, { status: 'ABORTED', stoppedAt, error: cause }))) return false;
      deps.metrics?.countLabelled('TriggersSkipped', { ruleId: execution.ruleId, reason: 'cancelled' });
      await deps.skips?.noteSkip({ eventId: execution.eventId, ruleId: execution.ruleId, reason: 'cancelled' });
      return true;
    },
  };
}
