/** Flow control's shared pieces: its dependencies, its decisions, and the compare-and-set loop over a bucket's state. */
import type { Clock } from '../clock.js';
import { RetryableError } from '../errors.js';
import type { ExecutionStore } from '../ports/executions.js';
import type { FlowKey, FlowState, FlowStateStore, SkipReason } from '../ports/flow-control.js';
import type { WakeUpScheduler } from '../ports/flow-wakeups.js';
import type { EngineMetrics, Logger } from '../ports/observability.js';
import type { WorkflowStarter } from '../ports/workflows.js';
import type { RuleSet } from '../rules/types.js';

/** What flow control did with a trigger. */
export type FlowDecision = { kind: 'started'; alreadyStarted: boolean } | { kind: 'queued' } | { kind: 'skipped'; reason: SkipReason };

/** Stops a running execution where it runs, ending it `ABORTED` with a `workflow.aborted` event (the execution-actions service). */
export type StopExecution = (name: string, cause: { error: string; cause?: string }) => Promise<unknown>;

export interface FlowControlDeps {
  ruleSet: RuleSet;
  store: FlowStateStore;
  wakeUps: WakeUpScheduler;
  /** Starts exactly once (the same starter routing uses). */
  starter: WorkflowStarter;
  executions: Pick<ExecutionStore, 'hold' | 'get' | 'finishIfQueued' | 'byCorrelation'>;
  /** For `cancelOn`; without it running executions are not stopped (queued ones are still dropped). */
  stopExecution?: StopExecution;
  metrics?: EngineMetrics;
  logger?: Pick<Logger, 'info' | 'warn'>;
  clock: Clock;
  /**
   * Brings `ruleSet` up to date before a wake-up or a release looks a rule up (AWS: `RefreshingRuleSet.fresh`, at most one
   * small read per refresh period), so that a rule changed through the rules API is followed there as routing follows it.
   * Routing refreshes before it offers; embedded, the set is always live.
   */
  refreshRules?: () => Promise<void>;
  /**
   * Reads the rules now and fails when it cannot (AWS: `RefreshingRuleSet.confirm`): called before the waiting triggers of
   * a rule not found, disabled or no longer controlled are ended or started, which a set read a moment before the rule was
   * created or changed must not decide. Embedded, the set is always live and this is left out.
   */
  confirmRules?: () => Promise<void>;
}

/** Reads, changes and writes a bucket's state by compare-and-set, again while another writer wins; an empty state is deleted. */
export async function updateState<T>(store: FlowStateStore, bucket: FlowKey, change: (state: FlowState) => { state: FlowState; result: T } | { result: T }): Promise<T> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await store.read(bucket);
    const outcome = change(structuredClone(current?.state ?? {}));
    if (!('state' in outcome)) return outcome.result;
    const version = current?.version ?? 0;
    const empty = Object.values(outcome.state).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
    const written = empty ? (version === 0 ? true : await store.clear(bucket, version)) : await store.write(bucket, outcome.state, version);
    if (written) return outcome.result;
  }
  throw new RetryableError(`the flow state of ${bucket.ruleId}/${bucket.key} kept changing over 50 attempts`);
}
