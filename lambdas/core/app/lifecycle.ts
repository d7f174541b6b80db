/**
 * An execution's lifecycle, the same in both homes: each change (started, ended) moves the
 * execution record and is stored as an engine event (`workflow.started|succeeded|failed`, source
 * `edwe.workflows`) so that rules can chain workflows. Replayed executions emit no lifecycle events.
 * Each home turns its own notice into an `ExecutionChange`: Step Functions' status change events on
 * AWS, the local runner's start and outcome embedded.
 */
import type { Clock } from '../clock.js';
import { ConflictError } from '../errors.js';
import type { FieldEncryption } from '../field-encryption.js';
import { normaliseEvent, type EngineEvent } from '../envelope.js';
import type { ExecutionRecord, ExecutionStatus, WorkflowInput } from '../execution.js';
import { lifecycleEvent, type LifecyclePhase } from '../lifecycle.js';
import type { EventStore } from '../ports/events.js';
import type { EngineMetrics } from '../ports/observability.js';
import { runningExecution, toApiExecution, type ExecutionEnd, type ExecutionStore, type StoredExecution } from '../ports/executions.js';

/** What happened to an execution: it runs (`RUNNING`), or it ended with this status. */
export interface ExecutionChange {
  name: string;
  status: ExecutionStatus;
  /** When the execution started (ISO): the `workflow.started` event's time. */
  startedAt: string;
  /** When it ended (ISO); for an end without one, the clock's now. */
  stoppedAt?: string;
  output?: unknown;
  error?: ExecutionRecord['error'];
  /** The states it passed through, when the runner records them (kept on the record, not in the lifecycle event). */
  states?: ExecutionRecord['states'];
  /** The input it was started with: lets a change that outran the execution's record write it. */
  input?: WorkflowInput;
  /** Its workflow, for the same purpose. */
  workflowId?: string;
}

/** Why a change was recorded without a lifecycle event. */
export type WithoutEvent = 'replay' | 'chain-too-deep';

export type LifecycleOutcome =
  | { kind: 'recorded'; phase: LifecyclePhase; execution: ExecutionRecord; event?: EngineEvent; duplicate?: boolean; withoutEvent?: WithoutEvent }
  /** Not an execution the engine can account for: no record, and not enough in the change to write one. */
  | { kind: 'ignored'; reason: string };

export interface ExecutionLifecycleDeps {
  executions: Pick<ExecutionStore, 'get' | 'record' | 'finish'>;
  /** Where lifecycle events go: the event store (embedded: an ingest that also routes them). */
  events: Pick<EventStore, 'put'>;
  clock: Clock;
  /** Executions finished (by workflow and status) and their durations, counted once per end. */
  metrics?: Pick<EngineMetrics, 'countLabelled' | 'observe'>;
  /**
   * Encrypted fields: an execution's output and error are stored with the plaintext of its input's
   * sealed fields sealed again, and an input reported in the clear (Step Functions hands back what it
   * was started with) is sealed before it is recorded.
   */
  fields?: Pick<FieldEncryption, 'conceal' | 'sealInput'>;
  /** Flow control: an ended execution frees its concurrency slot (idempotent, so told of every end, repeats included). */
  flow?: { release(execution: StoredExecution): Promise<void> };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * @example await new ExecutionLifecycle({ executions, events, clock }).onChange({ name, status: 'SUCCEEDED', startedAt, output })
 */
export class ExecutionLifecycle {
  constructor(private readonly deps: ExecutionLifecycleDeps) {}

  /**
   * Records the change and stores its lifecycle event. Changes may arrive more than once and in any
   * order: a record ended stays ended (`finish` keeps the first end), and the event's id (execution
   * name + phase) and content depend only on the change, so a repeat is stored once.
   * @throws RetryableError when a store throttles or fails.
   */
  async onChange(reported: ExecutionChange): Promise<LifecycleOutcome> {
    const stored = (await this.deps.executions.get(reported.name)) ?? (await this.recordFromChange(reported));
    if (typeof stored === 'string') return { kind: 'ignored', reason: stored };
    const change = await this.concealed(reported, stored.input);

    let phase: LifecyclePhase = 'started';
    let execution: ExecutionRecord = { ...toApiExecution(stored), status: 'RUNNING' };
    let timestamp = change.startedAt;
    if (change.status !== 'RUNNING') {
      const end = endOf(change, this.deps.clock.now());
      if (await this.deps.executions.finish(change.name, end)) {
        const { workflowId } = stored;
        this.deps.metrics?.countLabelled('ExecutionsFinished', { workflowId, status: end.status });
        const seconds = (Date.parse(end.stoppedAt) - Date.parse(stored.startedAt)) / 1000;
        if (Number.isFinite(seconds)) this.deps.metrics?.observe('ExecutionDuration', Math.max(0, seconds), { workflowId });
      }
      await this.deps.flow?.release(stored);
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
    if (stored.input.replay !== undefined) return { kind: 'recorded', phase, execution, withoutEvent: 'replay' };
    const shape = lifecycleEvent(execution, stored.input, phase, timestamp);
    if (shape === undefined) return { kind: 'recorded', phase, execution, withoutEvent: 'chain-too-deep' };
    const event = normaliseEvent(shape, { clock: this.deps.clock, ids: { newId: () => shape.id } });
    try {
      const { duplicate } = await this.deps.events.put(event);
      return { kind: 'recorded', phase, execution, event, duplicate };
    } catch (error) {
      // Stored before with other content (an output left out one time, kept the next): the first stands.
      if (error instanceof ConflictError) return { kind: 'recorded', phase, execution, event, duplicate: true };
      throw error;
    }
  }

  /**
   * The change outran the execution's record (on AWS a Standard start is recorded after
   * StartExecution answers): record it from the change. A string says why it could not be.
   */
  private async recordFromChange(change: ExecutionChange): Promise<StoredExecution | string> {
    const { workflowId } = change;
    if (change.input === undefined) return 'no execution record and no readable workflow input';
    const input = this.deps.fields === undefined ? change.input : await this.deps.fields.sealInput(change.input);
    if (workflowId === undefined) return 'no execution record and no workflow id';
    const trigger = { workflowId, ruleId: input.rule.id, executionName: change.name, input };
    await this.deps.executions.record(trigger, change.startedAt);
    return (await this.deps.executions.get(change.name)) ?? runningExecution(trigger, change.startedAt);
  }

  /** The change with the plaintext of the input's sealed fields sealed again in its output and error. */
  private async concealed(change: ExecutionChange, input: WorkflowInput): Promise<ExecutionChange> {
    const { fields } = this.deps;
    if (fields === undefined || (change.output === undefined && change.error === undefined)) return change;
    const { output, error } = (await fields.conceal(input, { output: change.output, error: change.error })) as Pick<ExecutionChange, 'output' | 'error'>;
    return { ...change, output, error };
  }
}

/** How the change says the execution ended. */
function endOf(change: ExecutionChange, nowMs: number): ExecutionEnd {
  const end: ExecutionEnd = { status: change.status as ExecutionEnd['status'], stoppedAt: change.stoppedAt ?? iso(nowMs) };
  if (change.output !== undefined) end.output = change.output;
  if (change.error !== undefined) end.error = change.error;
  if (change.states !== undefined) end.states = change.states;
  return end;
}
