/**
 * Workflow lifecycle as events (`workflow.started`, `workflow.succeeded`, `workflow.failed`, `workflow.aborted`, source
 * `edwe.workflows`): rules can chain one workflow to another's end. A chain depth carried in the
 * data stops a rule set that would otherwise trigger itself forever.
 */
import type { EngineEvent } from './envelope.js';
import type { ExecutionRecord, WorkflowInput } from './execution.js';

export const LIFECYCLE_SOURCE = 'edwe.workflows';
/** How many lifecycle hops a chain may take before the engine stops emitting lifecycle events for it. */
export const MAX_CHAIN_DEPTH = 10;

export type LifecyclePhase = 'started' | 'succeeded' | 'failed' | 'aborted';

/** The phase an execution's status stands for: `ABORTED` (a stop) is `aborted`, every other end but success `failed`. */
export function phaseOf(status: ExecutionRecord['status']): LifecyclePhase {
  if (status === 'RUNNING') return 'started';
  if (status === 'SUCCEEDED') return 'succeeded';
  return status === 'ABORTED' ? 'aborted' : 'failed';
}

/** The chain depth of the event that triggered an execution (0 for an outside event). */
export function chainDepthOf(event: EngineEvent): number {
  if (event.source !== LIFECYCLE_SOURCE) return 0;
  const depth = (event.data as { chainDepth?: unknown }).chainDepth;
  return typeof depth === 'number' && Number.isInteger(depth) && depth >= 0 ? depth : 0;
}

/**
 * The lifecycle event for an execution's phase, or undefined when the chain is too deep.
 * Its id is derived from the execution name (and the redrive it belongs to), so a re-emitted lifecycle event is a duplicate.
 */
export function lifecycleEvent(
  execution: ExecutionRecord,
  input: WorkflowInput,
  phase: LifecyclePhase,
  timestamp: string,
): { type: string; id: string; source: string; timestamp: string; correlationId: string; data: Record<string, unknown> } | undefined {
  const depth = chainDepthOf(input.event) + 1;
  if (depth > MAX_CHAIN_DEPTH) return undefined;
  const data: Record<string, unknown> = {
    executionName: execution.name,
    workflowId: execution.workflowId,
    ruleId: execution.ruleId,
    eventId: execution.eventId,
    status: execution.status,
    chainDepth: depth,
  };
  if (phase !== 'started' && execution.output !== undefined) data.output = execution.output;
  if ((phase === 'failed' || phase === 'aborted') && execution.error !== undefined) data.error = execution.error;
  // A redriven run has lifecycle events of its own: its phases are not the first run's duplicates.
  const run = execution.redriveCount === undefined || execution.redriveCount === 0 ? '' : `.redrive-${execution.redriveCount}`;
  if (run !== '') data.redriveCount = execution.redriveCount;
  return {
    id: `${execution.name}${run}.${phase}`.slice(0, 128),
    type: `workflow.${phase}`,
    source: LIFECYCLE_SOURCE,
    timestamp,
    correlationId: execution.correlationId,
    data,
  };
}
