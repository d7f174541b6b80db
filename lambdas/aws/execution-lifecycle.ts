/**
 * Step Functions status changes on AWS (DESIGN §6): each one moves the execution record to its new
 * status and is ingested as an engine event (`workflow.started|succeeded|failed`, source
 * `edwe.workflows`) so that rules can chain workflows. Replayed executions emit no lifecycle events.
 */
import {
  ConflictError,
  lifecycleEvent,
  normaliseEvent,
  type Clock,
  type EngineEvent,
  type EventStore,
  type ExecutionRecord,
  type ExecutionStatus,
  type LifecyclePhase,
  type WorkflowInput,
} from '../core/index.js';
import type { DynamoDbExecutionStore, ExecutionEnd } from './dynamodb-execution-store.js';
import { storedOutput, toApiExecution, type StoredExecution } from './execution-item.js';

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

export type LifecycleOutcome =
  | { kind: 'recorded'; phase: LifecyclePhase; execution: ExecutionRecord; event?: EngineEvent; duplicate?: boolean }
  /** Not an execution the engine can account for (a status it does not track, or no record and no readable input). */
  | { kind: 'ignored'; reason: string };

export interface ExecutionLifecycleOptions {
  executions: Pick<DynamoDbExecutionStore, 'get' | 'record' | 'finish'>;
  events: EventStore;
  /** State machine ARN → workflow id, for an execution whose record is not written yet. */
  workflowIds: ReadonlyMap<string, string>;
  clock?: Clock;
}

const ENDED: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
const DEFAULT_ERRORS: Readonly<Record<string, string>> = { TIMED_OUT: 'States.Timeout', ABORTED: 'States.Aborted' };

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * @example await new ExecutionLifecycle({ executions, events, workflowIds }).onStatusChange(event.detail)
 */
export class ExecutionLifecycle {
  private readonly clock: Clock;

  constructor(private readonly options: ExecutionLifecycleOptions) {
    this.clock = options.clock ?? { now: Date.now };
  }

  /**
   * Records the change and emits its lifecycle event. Changes arrive at least once and in any order:
   * a record ended stays ended, and the event's id (execution name + phase) and content depend only
   * on the change, so a repeat is stored once.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async onStatusChange(change: StatusChange): Promise<LifecycleOutcome> {
    if (change.status !== 'RUNNING' && !ENDED.has(change.status)) return { kind: 'ignored', reason: `status ${change.status} is not tracked` };
    const stored = (await this.options.executions.get(change.name)) ?? (await this.recordFromChange(change));
    if (stored === undefined) return { kind: 'ignored', reason: 'no execution record and no readable workflow input' };

    let phase: LifecyclePhase = 'started';
    let execution: ExecutionRecord = { ...toApiExecution(stored), status: 'RUNNING' };
    let timestamp = iso(change.startDate);
    if (change.status !== 'RUNNING') {
      const end = endOf(change, this.clock.now());
      await this.options.executions.finish(change.name, end);
      phase = end.status === 'SUCCEEDED' ? 'succeeded' : 'failed';
      execution = { ...execution, status: end.status, stoppedAt: end.stoppedAt };
      if (end.output !== undefined) execution.output = end.output;
      if (end.error !== undefined) execution.error = end.error;
      timestamp = end.stoppedAt;
    }
    if (phase === 'started') {
      delete execution.stoppedAt;
      delete execution.output;
      delete execution.error;
    }
    // A replay re-runs history: its executions must not set live rules off again.
    if (stored.input.replay !== undefined) return { kind: 'recorded', phase, execution };
    const shape = lifecycleEvent(execution, stored.input, phase, timestamp);
    if (shape === undefined) return { kind: 'recorded', phase, execution };
    const event = normaliseEvent(shape, { clock: this.clock, ids: { newId: () => shape.id } });
    try {
      const { duplicate } = await this.options.events.put(event);
      return { kind: 'recorded', phase, execution, event, duplicate };
    } catch (error) {
      // Stored before with other content (an output left out one time, kept the next): the first stands.
      if (error instanceof ConflictError) return { kind: 'recorded', phase, execution, event, duplicate: true };
      throw error;
    }
  }

  /** The status change outran the router's record (Standard starts are recorded after StartExecution): record it from the change. */
  private async recordFromChange(change: StatusChange): Promise<StoredExecution | undefined> {
    const input = workflowInputOf(change.input);
    if (input === undefined) return undefined;
    const workflowId = this.options.workflowIds.get(change.stateMachineArn) ?? change.stateMachineArn.split(':').pop() ?? change.stateMachineArn;
    const trigger = { workflowId, ruleId: input.rule.id, executionName: change.name, input };
    const startedAt = iso(change.startDate);
    await this.options.executions.record(trigger, startedAt);
    return (
      (await this.options.executions.get(change.name)) ?? {
        name: change.name, workflowId, ruleId: input.rule.id, eventId: input.event.id, correlationId: input.correlationId, status: 'RUNNING', startedAt, input,
      }
    );
  }
}

/** How the change says the execution ended: status, stop time, output (when small enough to keep) or error. */
function endOf(change: StatusChange, nowMs: number): ExecutionEnd {
  const end: ExecutionEnd = { status: change.status as Exclude<ExecutionStatus, 'RUNNING'>, stoppedAt: iso(change.stopDate ?? nowMs) };
  const output = parseJson(change.output);
  if (output !== undefined && storedOutput(output) !== undefined) end.output = output;
  const error = change.error ?? DEFAULT_ERRORS[change.status];
  if (error) end.error = change.cause ? { error, cause: change.cause } : { error };
  return end;
}

/** The workflow input in the change, when it is there and has the engine's shape (DESIGN §6). */
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
