/**
 * Stopping and redriving one execution — what `POST /executions/{name}/stop|redrive` do in both homes, what a bulk
 * action does per execution, and what flow control's `cancelOn` calls. The home acts through `WorkflowControl`; the
 * execution record keeps the redrive count and history, and the lifecycle events follow each run.
 */
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { ExecutionRecord, ExecutionRedrive, ExecutionStatus } from '../execution.js';
import { toApiExecution, type ExecutionStore, type RedriveRecords, type RedriveState, type StoredExecution } from '../ports/executions.js';
import type { RedriveOutcome, StopCause, WorkflowControl } from '../ports/workflow-control.js';
import type { ExecutionChange, LifecycleOutcome } from './lifecycle.js';

/** The statuses a redrive resumes from, as Step Functions' `RedriveExecution` takes them. */
export const REDRIVABLE: ReadonlySet<ExecutionStatus> = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * Where a stop of a queued execution goes: flow control holds executions that have not started anywhere yet (`QUEUED`)
 * and takes them out of its queue itself. Without it a queued execution cannot be stopped (409).
 */
export interface QueuedExecutions {
  /** Takes the execution out of its queue and records its end as `ABORTED`; false when it had left the queue already. */
  stop(execution: StoredExecution, cause: StopCause): Promise<boolean>;
}

export interface ExecutionActionsDeps {
  executions: Pick<ExecutionStore, 'get'> & RedriveRecords;
  control: WorkflowControl;
  /** Records an end the runner did not report (a stop of an execution nothing runs any more) and a redriven run's start. */
  lifecycle: { onChange(change: ExecutionChange): Promise<LifecycleOutcome> };
  clock: Clock;
  /** Flow control's queue (the hook for `QUEUED` executions). */
  queued?: QueuedExecutions;
}

/** What a stop or a redrive answers: the execution as it stands afterwards. */
export interface ExecutionActionResult {
  execution: ExecutionRecord;
}

/** What a redrive answers: the execution, and how it went on (resumed, or restarted as a new Express execution). */
export interface RedriveResult extends ExecutionActionResult {
  outcome: RedriveOutcome;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * @example await new ExecutionActions({ executions, control, lifecycle, clock }).redrive('fulfil-order-1a2b', 'ops@example.com')
 */
export class ExecutionActions {
  constructor(private readonly deps: ExecutionActionsDeps) {}

  /**
   * Stops a running (or queued) execution; it ends `ABORTED` with the error `edwe.Stopped`.
   * @throws NotFoundError when there is no such execution; ConflictError when it is not running.
   */
  async stop(name: string, by: string): Promise<ExecutionActionResult> {
    return this.stopExecution(name, { error: 'edwe.Stopped', cause: `stopped by ${by}` });
  }

  /**
   * Stops an execution with the cause given (flow control's `cancelOn` names its own). The end is recorded here when
   * the runner does not report it at once (Step Functions reports a stop later; an execution nothing runs any more never).
   * @throws NotFoundError when there is no such execution; ConflictError when it is not running.
   */
  async stopExecution(name: string, cause: StopCause): Promise<ExecutionActionResult> {
    const execution = await this.find(name);
    // Flow control adds QUEUED to the statuses; compared as a string so that this reads the same before and after.
    if ((execution.status as string) === 'QUEUED') {
      if (this.deps.queued === undefined) throw new ConflictError(`Execution "${name}" is QUEUED and nothing here holds a queue to take it out of`);
      if (await this.deps.queued.stop(execution, cause)) {
        // Nothing ran it, so no runner reports its end: its `workflow.aborted` event is stored here, from the end just recorded.
        const ended = await this.find(name);
        await this.deps.lifecycle.onChange({ name, status: 'ABORTED', startedAt: ended.startedAt, stoppedAt: ended.stoppedAt ?? iso(this.deps.clock.now()), error: cause });
        return { execution: toApiExecution(await this.find(name)) };
      }
      // It left the queue meanwhile: started (stopped below, as any running execution), or ended.
      return this.stopStarted(name, cause, await this.find(name));
    }
    return this.stopStarted(name, cause, execution);
  }

  private async stopStarted(name: string, cause: StopCause, execution: StoredExecution): Promise<ExecutionActionResult> {
    if (execution.status !== 'RUNNING') throw new ConflictError(`Execution "${name}" is ${execution.status}: only a RUNNING execution can be stopped`);
    await this.deps.control.stop(execution, cause);
    const after = await this.find(name);
    if (after.status === 'RUNNING') {
      await this.deps.lifecycle.onChange({ name, status: 'ABORTED', startedAt: after.startedAt, stoppedAt: iso(this.deps.clock.now()), error: cause });
      return { execution: toApiExecution(await this.find(name)) };
    }
    return { execution: toApiExecution(after) };
  }

  /**
   * Redrives a `FAILED`, `TIMED_OUT` or `ABORTED` execution from the state that failed. The record goes RUNNING with
   * the redrive in its history before the home acts (so that the redriven run's end finds it running), and back to
   * its end when the home refuses, or when it restarted the execution under another name (Express).
   * @throws NotFoundError when there is no such execution; ConflictError when it is not redrivable, or another redrive came first.
   */
  async redrive(name: string, by: string): Promise<RedriveResult> {
    const execution = await this.find(name);
    if (!REDRIVABLE.has(execution.status)) {
      throw new ConflictError(`Execution "${name}" is ${execution.status}: only a FAILED, TIMED_OUT or ABORTED execution can be redriven`);
    }
    const count = execution.redriveCount ?? 0;
    const history = execution.redrives ?? [];
    const at = iso(this.deps.clock.now());
    const entry: ExecutionRedrive = { at, by, executionName: name };
    const fromState = failedStateOf(execution);
    if (fromState !== undefined) entry.fromState = fromState;
    const end = endOf(execution);
    const expected = { status: execution.status, redriveCount: count };
    if (!(await this.deps.executions.setRedrive(name, expected, { redriveCount: count + 1, redrives: [...history, entry] }))) {
      throw new ConflictError(`Execution "${name}" changed while it was being redriven (another redrive?): read it again`);
    }
    return this.#send(execution, count, history, entry, end, false);
  }

  /**
   * Sends again a redrive whose record was written (RUNNING, `by`'s redrive last in its history) when the sending may
   * not have happened — a bulk action's step that died between the two. The home is asked with the same count, so
   * Step Functions gets the same client token and takes both as one redrive; a home that answers that it runs already
   * (Step Functions after the token's 15 minutes, the embedded engine that resumed the record at its start) counts as sent.
   * `before` is the count and end the record had before the redrive. Undefined when the record is not in that state.
   */
  async resendRedrive(name: string, by: string, before: { redriveCount: number; end: NonNullable<RedriveState['end']> }): Promise<RedriveResult | undefined> {
    const execution = await this.find(name);
    const redrives = execution.redrives ?? [];
    const entry = redrives[redrives.length - 1];
    if (execution.status !== 'RUNNING' || (execution.redriveCount ?? 0) !== before.redriveCount + 1 || entry?.by !== by) return undefined;
    // The home sees the record RUNNING (a home that runs it already refuses, and one whose run just ended again does
    // not wait for that run: it would redrive it a second time), with the end it had (Step Functions' 14-day window).
    const previous: StoredExecution = { ...execution, stoppedAt: before.end.stoppedAt };
    return this.#send(previous, before.redriveCount, redrives.slice(0, -1), entry, before.end, true);
  }

  /** Asks the home to redrive an execution whose record went RUNNING for it; then records how it went on. */
  async #send(
    execution: StoredExecution,
    count: number,
    history: ExecutionRedrive[],
    entry: ExecutionRedrive,
    end: NonNullable<RedriveState['end']>,
    resent: boolean,
  ): Promise<RedriveResult> {
    const { name } = execution;
    const redriving = { status: 'RUNNING' as const, redriveCount: count + 1 };
    let outcome: RedriveOutcome;
    try {
      outcome = await this.deps.control.redrive({ ...execution, redriveCount: count });
    } catch (error) {
      // Sent again and refused as running: the first send went through (or the home resumed the record itself).
      if (resent && error instanceof ConflictError)
        return { execution: toApiExecution(await this.find(name)), outcome: { kind: 'resumed', executionName: name, redriveCount: count + 1 } };
      // The home refused (or failed): the record goes back to the end it had, without this redrive.
      await this.deps.executions.setRedrive(name, redriving, { redriveCount: count, redrives: history, end });
      throw error;
    }
    if (outcome.kind === 'restarted') {
      const restarted = { ...entry, executionName: outcome.executionName };
      await this.deps.executions.setRedrive(name, redriving, { redriveCount: count + 1, redrives: [...history, restarted], end });
    } else {
      // The redriven run's own `workflow.started` (its id carries the redrive count, so it is not the first run's).
      await this.deps.lifecycle.onChange({ name, status: 'RUNNING', startedAt: entry.at });
    }
    return { execution: toApiExecution(await this.find(name)), outcome };
  }

  private async find(name: string): Promise<StoredExecution> {
    const execution = await this.deps.executions.get(name);
    if (execution === undefined) throw new NotFoundError(`No execution named "${name}"`);
    return execution;
  }
}

/** The state an execution failed in, where the home records states: the last one that failed (or was left unfinished). */
export function failedStateOf(execution: Pick<ExecutionRecord, 'states'>): string | undefined {
  const states = execution.states ?? [];
  for (let i = states.length - 1; i >= 0; i--) {
    const step = states[i];
    if (step !== undefined && (step.status === 'FAILED' || step.exitedAt === undefined)) return step.name;
  }
  return undefined;
}

/** An ended record's end, to put back when a redrive does not go ahead. */
function endOf(execution: StoredExecution): NonNullable<RedriveState['end']> {
  const end: NonNullable<RedriveState['end']> = {
    status: execution.status as NonNullable<RedriveState['end']>['status'],
    stoppedAt: execution.stoppedAt ?? execution.startedAt,
  };
  if (execution.output !== undefined) end.output = execution.output;
  if (execution.error !== undefined) end.error = execution.error;
  return end;
}
