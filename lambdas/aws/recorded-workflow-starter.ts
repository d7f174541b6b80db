/**
 * Exactly-once starts on AWS, with an execution record for each:
 * - STANDARD: StartExecution under the deterministic name (`ExecutionAlreadyExists` = started), then
 *   the record, written idempotently.
 * - EXPRESS (which Step Functions does not deduplicate by name): a conditional put of the record
 *   claims the start first; an existing record means "already started" and no second StartExecution.
 * Throttled starts are retried with backoff inside the batch, then thrown for the stream to retry.
 * Two paths start the same triggers (docs/capacity.md, "The fast path"): the ingest's fast path
 * starts first, without reading the State table (`firstOnly`); the stream's router then looks at the
 * record before a Standard StartExecution (`lookFirst`), so a start the fast path made costs it one
 * read, not a second StartExecution from the account's start quota.
 * A Standard start that takes over a QUEUED record flow control held can lose to a drop of that record (a stop,
 * `cancelOn`, a removed rule) landing between StartExecution and the record write: the execution it started is
 * stopped again (`stopper`), and the start answers as one that did not happen.
 */
import {
  isEngineError,
  RetryableError,
  type Clock,
  type ExecutionStore,
  type StoredExecution,
  type Trigger,
  type WorkflowControl,
  type WorkflowStarter,
} from '../core/index.js';
import type { ExpressClaims } from './dynamodb-execution-store.js';
import { withBackoff, type BackoffOptions } from '../core/app/retry.js';

export interface RecordedWorkflowStarterOptions {
  /** The bare start (SfnWorkflowStarter). */
  starter: WorkflowStarter;
  /** The execution records (DynamoDbExecutionStore), with the Express claims. */
  executions: Pick<ExecutionStore, 'record' | 'get'> & ExpressClaims;
  /** Ids of the EXPRESS workflows; every other workflow is STANDARD. */
  expressWorkflows: ReadonlySet<string>;
  clock?: Clock;
  /** The in-batch retry budget of a start. Default 3 tries, 100 ms → 1 s, full jitter. */
  backoff?: BackoffOptions;
  /** Told of each start attempt that was throttled (or hit the running-executions quota) and may be tried again. */
  onThrottled?: (trigger: Trigger, error: unknown) => void;
  /** Told when a confirmed start could not be marked as such (the execution runs; see `confirm`). */
  onUnconfirmed?: (trigger: Trigger, error: unknown) => void;
  /** Standard: a recorded execution counts as started, without a StartExecution (the stream's router, after the fast path). */
  lookFirst?: boolean;
  /** Express: claim without reading an existing record, which then counts as another path's (the ingest's fast path). */
  firstOnly?: boolean;
  /**
   * Standard: stops an execution this starter started whose record a drop ended meanwhile (SfnWorkflowControl; the
   * starters of flow control's drains). Without it such an execution runs on under its ABORTED record.
   */
  stopper?: Pick<WorkflowControl, 'stop'>;
  /** Told when that stop failed past the retry budget: the execution runs under an ABORTED record. */
  onUnstopped?: (execution: StoredExecution, error: unknown) => void;
}

/**
 * @example const starter = new RecordedWorkflowStarter({ starter: sfn, executions, expressWorkflows: new Set(['quick_check']) })
 */
export class RecordedWorkflowStarter implements WorkflowStarter {
  private readonly clock: Clock;

  constructor(private readonly options: RecordedWorkflowStarterOptions) {
    this.clock = options.clock ?? { now: Date.now };
  }

  /**
   * Starts the trigger's execution once, however often it is asked to.
   * @throws RetryableError when the start stays throttled past the budget, or another invocation is starting it right now.
   */
  async start(trigger: Trigger): Promise<{ alreadyStarted: boolean }> {
    const startedAt = new Date(this.clock.now()).toISOString();
    return this.options.expressWorkflows.has(trigger.workflowId) ? this.startExpress(trigger, startedAt) : this.startStandard(trigger, startedAt);
  }

  private async startStandard(trigger: Trigger, startedAt: string): Promise<{ alreadyStarted: boolean }> {
    // A record is written only once StartExecution has answered, so it proves the start — except a QUEUED one, which flow
    // control wrote for a trigger it held: that one is started now (its record taken over).
    if (this.options.lookFirst === true) {
      const record = await this.options.executions.get(trigger.executionName);
      if (record !== undefined && record.status !== 'QUEUED') return { alreadyStarted: true };
    }
    const result = await this.startWithBackoff(trigger);
    // A record that exists already (a redelivery, or the lifecycle handler was first) is kept as it is.
    if ((await this.options.executions.record(trigger, startedAt)) || this.options.stopper === undefined) return result;
    return this.stopIfDropped(trigger, result);
  }

  /**
   * The record existed. What takes a QUEUED record over (flow control's drain, the router's `lookFirst`) read it QUEUED
   * or missing before StartExecution, so an ABORTED one now is a drop that landed in between — its conditional end could
   * not see a start that had not written its record yet. That execution (started now, or by an attempt that crashed before
   * its record) is stopped with the drop's own error and cause, and the start did not happen.
   */
  private async stopIfDropped(trigger: Trigger, result: { alreadyStarted: boolean }): Promise<{ alreadyStarted: boolean }> {
    const record = await this.options.executions.get(trigger.executionName);
    if (record?.status !== 'ABORTED' || this.options.stopper === undefined) return result;
    const stopper = this.options.stopper;
    const cause = record.error ?? { error: 'edwe.Dropped', cause: `its queued trigger was dropped at ${record.stoppedAt ?? 'an unknown time'}` };
    try {
      await withBackoff(() => stopper.stop(record, cause), this.options.backoff);
    } catch (error) {
      // Thrown for the stream to retry, it would never be stopped: the retried start reads the record ABORTED and starts nothing.
      this.options.onUnstopped?.(record, error);
    }
    return { alreadyStarted: true };
  }

  private async startExpress(trigger: Trigger, startedAt: string): Promise<{ alreadyStarted: boolean }> {
    const { executions } = this.options;
    const claim = await executions.claim(trigger, startedAt, { lookup: this.options.firstOnly !== true });
    if (claim.kind === 'started' || claim.kind === 'taken') return { alreadyStarted: true };
    if (claim.kind === 'busy') throw new RetryableError(`execution ${trigger.executionName} is being started by another invocation`);
    try {
      await this.startWithBackoff(trigger);
    } catch (error) {
      // Withdraw the claim so that the retried record starts it: a claim must never stand for a start that failed.
      await executions.release(trigger.executionName, claim.claimId).catch(() => undefined);
      throw error;
    }
    try {
      await withBackoff(() => executions.confirm(trigger.executionName, claim.claimId), this.options.backoff);
    } catch (error) {
      // The execution runs; failing the record now would only make its redelivery wait out the claim's lease.
      this.options.onUnconfirmed?.(trigger, error);
    }
    return { alreadyStarted: false };
  }

  private startWithBackoff(trigger: Trigger): Promise<{ alreadyStarted: boolean }> {
    return withBackoff(async () => {
      try {
        return await this.options.starter.start(trigger);
      } catch (error) {
        // The account's running-executions quota: nothing wrong with the record, so the stream should try it later.
        if (error instanceof Error && error.name === 'ExecutionLimitExceeded') {
          this.options.onThrottled?.(trigger, error);
          throw new RetryableError(`starting ${trigger.executionName}: ${error.message}`, { cause: error });
        }
        if (isEngineError(error) && error.retryable) this.options.onThrottled?.(trigger, error);
        throw error;
      }
    }, this.options.backoff);
  }
}
