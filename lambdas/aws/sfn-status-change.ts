/**
 * Step Functions' "Execution Status Change" events, as the engine's lifecycle reads them: the
 * status words, epoch-millisecond dates and JSON texts of the event's `detail` become core's
 * `ExecutionChange`. What Step Functions leaves implicit is made explicit here: a timeout or an
 * abort without an error gets Step Functions' own error name.
 */
import type { EngineEvent, ExecutionChange, ExecutionStatus, WorkflowInput } from '../core/index.js';
import { storedOutput } from './execution-item.js';

/** The fields of a "Step Functions Execution Status Change" event's `detail` the engine reads. */
export interface StatusChange {
  name: string;
  stateMachineArn: string;
  status: string;
  /** Epoch milliseconds. */
  startDate: number;
  stopDate?: number | null | undefined;
  /** JSON text; null when the input was too large to include. */
  input?: string | null | undefined;
  output?: string | null | undefined;
  error?: string | null | undefined;
  cause?: string | null | undefined;
}

/** The change as core's lifecycle takes it, or why the engine does not track it. */
export type ReadStatusChange = { kind: 'change'; change: ExecutionChange } | { kind: 'ignored'; reason: string };

const TRACKED: ReadonlySet<string> = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
const DEFAULT_ERRORS: Readonly<Record<string, string>> = { TIMED_OUT: 'States.Timeout', ABORTED: 'States.Aborted' };

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Reads a status change. `workflowIds` (state machine ARN → workflow id) names the workflow of an
 * execution whose record is not written yet; an ARN it lacks is named by its last segment.
 * An output too large to keep beside the input in the execution record is left out.
 * @example const read = executionChangeOf(event.detail, workflowIds); if (read.kind === 'change') await lifecycle.onChange(read.change)
 */
export function executionChangeOf(statusChange: StatusChange, workflowIds: Pick<ReadonlyMap<string, string>, 'get'>): ReadStatusChange {
  const { status } = statusChange;
  if (!TRACKED.has(status)) return { kind: 'ignored', reason: `status ${status} is not tracked` };
  const change: ExecutionChange = { name: statusChange.name, status: status as ExecutionStatus, startedAt: iso(statusChange.startDate) };
  const { stateMachineArn } = statusChange;
  change.workflowId = workflowIds.get(stateMachineArn) ?? stateMachineArn.split(':').pop() ?? stateMachineArn;
  const input = workflowInputOf(statusChange.input);
  if (input !== undefined) change.input = input;
  if (status === 'RUNNING') return { kind: 'change', change };
  if (typeof statusChange.stopDate === 'number') change.stoppedAt = iso(statusChange.stopDate);
  const output = parseJson(statusChange.output);
  if (output !== undefined && storedOutput(output) !== undefined) change.output = output;
  const error = statusChange.error ?? DEFAULT_ERRORS[status];
  if (error) change.error = statusChange.cause ? { error, cause: statusChange.cause } : { error };
  return { kind: 'change', change };
}

/** The workflow input in the change, when it is there and has the engine's shape. */
function workflowInputOf(text: string | null | undefined): WorkflowInput | undefined {
  const input = parseJson(text) as Partial<WorkflowInput> | undefined;
  const event = input?.event as Partial<EngineEvent> | undefined;
  const fine =
    typeof input?.correlationId === 'string' &&
    typeof input.rule?.id === 'string' &&
    typeof event?.id === 'string' &&
    typeof event.source === 'string' &&
    typeof event.type === 'string';
  return fine ? (input as WorkflowInput) : undefined;
}

function parseJson(text: string | null | undefined): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
