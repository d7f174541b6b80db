/** Execution records: one per started workflow, keyed by its deterministic name. */
import type { ExecutionRecord, ExecutionRedrive, ExecutionStatus, Trigger, WorkflowInput } from '../execution.js';
import type { ExecutionListing, ExecutionQuery } from '../execution-query.js';

/** An execution with the input it was started with (lifecycle events and resumption need its lineage). */
export interface StoredExecution extends ExecutionRecord {
  input: WorkflowInput;
}

/** How an execution ended. */
export interface ExecutionEnd {
  status: Exclude<ExecutionStatus, 'RUNNING' | 'QUEUED'>;
  stoppedAt: string;
  output?: unknown;
  error?: ExecutionRecord['error'];
  /** The states it passed through, when the runner records them. */
  states?: ExecutionRecord['states'];
}

/** One page of `GET /executions`. */
export interface ExecutionPage {
  executions: ExecutionRecord[];
  cursor?: string;
}

export interface ExecutionStore {
  /**
   * Records a RUNNING execution; false when one of that name exists already (kept as it is) — unless that one is QUEUED:
   * then it becomes RUNNING with this trigger's input, event and start time, and the answer is true.
   */
  record(trigger: Trigger, startedAt: string): Promise<boolean>;
  /**
   * Records a QUEUED execution: a trigger flow control holds, listed until it starts under the same name (`record`)
   * or is dropped (`finish` with `ABORTED`). False when one of that name exists already (kept as it is).
   */
  hold(trigger: Trigger, queuedAt: string): Promise<boolean>;
  get(name: string): Promise<StoredExecution | undefined>;
  /** Moves a RUNNING or QUEUED record to its end; false when it had ended already (an end stays as first recorded). */
  finish(name: string, end: ExecutionEnd): Promise<boolean>;
  /**
   * Ends a QUEUED record (a held trigger dropped: stopped, or cancelled by `cancelOn`) in one conditional write; false
   * when it is not QUEUED any more — started meanwhile (it runs: stop it where it runs), ended, or missing.
   */
  finishIfQueued(name: string, end: ExecutionEnd): Promise<boolean>;
  /** One page of `GET /executions`, in (startedAt, name) order. */
  list(query: ExecutionQuery): Promise<ExecutionPage>;
  /**
   * One page of `GET /executions` without an event or a correlation: every execution, narrowed by workflow, status
   * and start time, newest first — (startedAt, name) descending. Records leave out their output, states and redrives (`get` has them).
   */
  recent(listing: ExecutionListing): Promise<ExecutionPage>;
  /** Every execution of a correlation, in (startedAt, name) order. */
  byCorrelation(correlationId: string): Promise<ExecutionRecord[]>;
}

/** What a redrive write expects to find: the record's status and redrive count (a redrive in between changes the count). */
export interface RedriveExpectation {
  status: ExecutionStatus;
  redriveCount: number;
}

/** What a redrive write leaves: the count and history, and the record RUNNING again (`end` absent) or at this end. */
export interface RedriveState {
  redriveCount: number;
  redrives: ExecutionRedrive[];
  /** The end to leave the record at (a restart elsewhere, or an undone redrive); absent: RUNNING, its end cleared. */
  end?: Pick<ExecutionEnd, 'status' | 'stoppedAt' | 'output' | 'error'>;
}

/**
 * The redrive side of the execution records (both execution stores implement it): a conditional write of the redrive
 * count, the history and the status, so that two redrives of one execution never both go ahead.
 */
export interface RedriveRecords {
  /** Writes `next` when the record is as `expected`; false when it is not (or missing). */
  setRedrive(name: string, expected: RedriveExpectation, next: RedriveState): Promise<boolean>;
}

/** The record of a trigger's execution as `ExecutionStore.record` writes it: RUNNING since `startedAt`, no end yet. */
export function runningExecution(trigger: Trigger, startedAt: string): Omit<StoredExecution, 'stoppedAt' | 'output' | 'error' | 'redriveCount' | 'redrives'> {
  const { input } = trigger;
  return {
    name: trigger.executionName,
    workflowId: trigger.workflowId,
    ruleId: trigger.ruleId,
    ...(trigger.ruleVersion === undefined ? {} : { ruleVersion: trigger.ruleVersion }),
    eventId: input.event.id,
    correlationId: input.correlationId,
    status: 'RUNNING',
    startedAt,
    input,
  };
}

/** The shape of an execution in a listing: the API shape without its output, the states it passed through and its redrives (`get` has them). */
export function toListedExecution({
  input: _input,
  output: _output,
  states: _states,
  redriveCount: _count,
  redrives: _redrives,
  ...record
}: StoredExecution): ExecutionRecord {
  return record;
}

/** The API shape of an execution: the record without its input. */
export function toApiExecution({ input: _input, ...record }: StoredExecution): ExecutionRecord {
  return record;
}
