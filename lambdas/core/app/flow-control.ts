/**
 * Flow control, the one implementation both homes use (see docs/rules.md, "Flow control"): routing hands it a firing
 * rule's trigger, and it starts it now, holds it (`QUEUED`) or skips it; the homes' timers call `wake`, the lifecycle
 * path calls `release` when an execution ends, and `cancel` acts on a rule's `cancelOn` events.
 */
import type { EngineEvent } from '../envelope.js';
import type { Trigger } from '../execution.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { matchesPattern } from '../pattern/index.js';
import type { FlowKey, SkipReason } from '../ports/flow-control.js';
import type { WakeUp } from '../ports/flow-wakeups.js';
import { NO_LOGS, NO_METRICS, type EngineMetrics, type Logger } from '../ports/observability.js';
import { compileFieldReader, type FieldReader } from '../rules/field-path.js';
import { CORRELATION_KEY } from '../rules/flow-control.js';
import type { Rule } from '../rules/types.js';
import { FlowBuckets } from './flow-buckets.js';
import { FlowRuleChanges } from './flow-rule-changes.js';
import type { FlowControlDeps, FlowDecision } from './flow-state.js';
import { FlowWindows } from './flow-windows.js';

/** The value of the "no key" bucket: every event whose key is missing, or not a string or a number. */
export const NO_KEY = 'none';

export { updateState, type FlowControlDeps, type FlowDecision, type StopExecution } from './flow-state.js';

/** The error a cancelled execution ends with. */
export const CANCELLED_ERROR = 'edwe.Cancelled';

type CancelEntry = { rule: Rule; pattern?: Record<string, unknown> };
type RuleIndex = { from: readonly Rule[]; rules: Map<string, Rule>; cancels: Map<string, CancelEntry[]> };
/** A rule as it is now, or why it no longer routes. */
type RuleNow = { rule: Rule } | { gone: 'rule deleted' | 'rule disabled' };

/**
 * @example const decision = await new FlowControl({ ruleSet, store, wakeUps, starter, executions, clock }).offer(rule, trigger)
 */
export class FlowControl {
  /** The rules by id and the cancels by event type, indexed from the rule set as it was last read. */
  #index: RuleIndex | undefined;
  /** The readers of the key paths rules read, by path. */
  readonly #keyReaders = new Map<string, FieldReader>();
  readonly #changes: FlowRuleChanges;
  readonly #buckets: FlowBuckets;
  readonly #windows: FlowWindows;
  /** The work in progress per bucket in this process: one at a time per bucket spares the store compare-and-set retries. */
  readonly #inProgress = new Map<string, Promise<unknown>>();
  readonly #metrics: EngineMetrics;
  readonly #logger: Pick<Logger, 'info' | 'warn'>;

  constructor(private readonly deps: FlowControlDeps) {
    this.#metrics = deps.metrics ?? NO_METRICS;
    this.#logger = deps.logger ?? NO_LOGS;
    this.#buckets = new FlowBuckets(deps);
    this.#windows = new FlowWindows(deps, this.#buckets, (eventId, ruleId, reason) => this.#skip(eventId, ruleId, reason));
    this.#changes = new FlowRuleChanges(deps, (eventId, ruleId) => this.#skip(eventId, ruleId, 'rule_removed'));
  }

  get #rules(): Map<string, Rule> {
    return this.#indexed().rules;
  }

  get #cancels(): Map<string, CancelEntry[]> {
    return this.#indexed().cancels;
  }

  /** Indexes the rule set again when it is another (a rule changed at run time through the rules API). */
  #indexed(): RuleIndex {
    const from = this.deps.ruleSet.rules;
    if (this.#index?.from === from) return this.#index;
    const index = { from, rules: new Map<string, Rule>(), cancels: new Map<string, CancelEntry[]>() };
    for (const rule of from) {
      index.rules.set(rule.id, rule);
      for (const cancel of rule.flow?.cancelOn ?? []) {
        const list = index.cancels.get(cancel.eventType) ?? [];
        list.push(cancel.pattern === undefined ? { rule } : { rule, pattern: cancel.pattern });
        index.cancels.set(cancel.eventType, list);
      }
    }
    this.#index = index;
    return index;
  }

  /** Whether a rule's triggers go through flow control (`cancelOn` alone does not hold them). */
  governs(rule: Rule): boolean {
    const flow = rule.flow;
    return flow !== undefined && (flow.debounce ?? flow.batch ?? flow.throttle ?? flow.concurrency ?? flow.rateLimit) !== undefined;
  }

  /** Whether any rule cancels on this event type: routing skips `cancel` otherwise. */
  cancels(eventType: string): boolean {
    return this.#cancels.has(eventType);
  }

  /** The bucket a trigger of the rule falls in. */
  bucketOf(rule: Rule, trigger: Pick<Trigger, 'input'>): FlowKey {
    return this.#bucketBy(rule.id, rule.flow?.key ?? CORRELATION_KEY, trigger);
  }

  /** The bucket a trigger falls in under a key path (a rule's as it is now, or as one of its versions read it). */
  #bucketBy(ruleId: string, keyPath: string, trigger: Pick<Trigger, 'input'>): FlowKey {
    let reader = this.#keyReaders.get(keyPath);
    if (reader === undefined && keyPath !== CORRELATION_KEY) this.#keyReaders.set(keyPath, (reader = compileFieldReader(keyPath)));
    const { event, correlationId } = trigger.input;
    let value: unknown;
    if (reader !== undefined) value = reader(event);
    // The correlation an execution gets from its event or `correlateBy`; the event id standing in for one is no key.
    else value = correlationId === event.id && event.correlationId === undefined ? undefined : correlationId;
    const key = typeof value === 'string' ? `v:${value}` : typeof value === 'number' && Number.isFinite(value) ? `v:${value}` : NO_KEY;
    return { ruleId, key };
  }

  /**
   * Decides a firing rule's trigger: skipped (`rate_limited`; an earlier event `debounced`), held in a window or a queue,
   * or started now. Idempotent per trigger: routing the same event again finds it where the first routing left it.
   */
  async offer(rule: Rule, trigger: Trigger): Promise<FlowDecision> {
    const flow = rule.flow;
    if (flow === undefined) return { kind: 'started', ...(await this.deps.starter.start(trigger)) };
    await this.#changes.note(rule);
    const bucket = this.bucketOf(rule, trigger);
    return this.#serially(bucket, () => this.#offer(rule, flow, bucket, trigger));
  }

  async #offer(rule: Rule, flow: NonNullable<Rule['flow']>, bucket: FlowKey, trigger: Trigger): Promise<FlowDecision> {
    if (flow.rateLimit !== undefined && !(await this.#buckets.admit(bucket, trigger, flow.rateLimit))) {
      await this.#skip(trigger.input.event.id, rule.id, 'rate_limited');
      return { kind: 'skipped', reason: 'rate_limited' };
    }
    if (flow.debounce !== undefined) return this.#windows.debounce(bucket, rule, trigger, flow.debounce);
    if (flow.batch !== undefined) return this.#windows.collect(bucket, rule, trigger, flow.batch);
    return this.#buckets.gate(bucket, rule, trigger);
  }

  /**
   * A timer is due: a window that has ended fires, waiting triggers start as far as their limits allow. Harmless when
   * early, late or repeated. The wake-up names its bucket, so a rule whose key changed still drains its old buckets. A
   * rule deleted or disabled: what waits in the bucket ends `ABORTED`; a rule that no longer controls its triggers (its
   * flow-control fields removed): what waits starts now, in order.
   */
  async wake(wakeUp: WakeUp): Promise<void> {
    await this.deps.refreshRules?.();
    const now = await this.#ruleNow(wakeUp.ruleId);
    const bucket = { ruleId: wakeUp.ruleId, key: wakeUp.key };
    await this.#serially(bucket, async () => {
      if ('gone' in now) return this.#changes.retire(bucket, now.gone);
      // A window fires whatever the rule says now: it may have dropped `debounce` or `batch` since the window opened.
      await this.#windows.wake(bucket, now.rule, !this.governs(now.rule));
      await this.#buckets.drain(bucket, now.rule);
    });
  }

  /**
   * An execution ended: its concurrency slot is freed and the next waiting trigger of its bucket may start. The bucket is
   * found by the key the execution's rule version read (kept when that version had `concurrency`), so a changed `key`
   * still drains the old buckets; what waits there is looked at under the rule as it is now (a limit raised, `concurrency`
   * removed: as many start as it allows). A rule deleted or disabled: what waits in the bucket ends `ABORTED`.
   */
  async release(execution: { name: string; ruleId: string; ruleVersion?: number | string; input: Trigger['input'] }): Promise<void> {
    if (execution.input.replay !== undefined) return;
    await this.deps.refreshRules?.();
    const current = this.#rules.get(execution.ruleId);
    const version = execution.ruleVersion;
    const changed = current === undefined || (version !== undefined && current.version !== undefined && version !== current.version);
    // Unchanged, only a rule with `concurrency` holds slots: the others' ends cost no read.
    if (current?.flow?.concurrency === undefined && !changed) return;
    const keyPath = changed && version !== undefined ? await this.#changes.keyPathOf(execution.ruleId, version) : undefined;
    // No slot of a known bucket, and a rule that holds nothing now (or none at all): nothing waits on this end.
    if (keyPath === undefined && (current === undefined || !this.governs(current))) return;
    const now = current !== undefined && this.governs(current) ? { rule: current } : await this.#ruleNow(execution.ruleId);
    const bucket = keyPath === undefined ? this.bucketOf(current as Rule, execution) : this.#bucketBy(execution.ruleId, keyPath, execution);
    await this.#serially(bucket, async () => {
      if ('gone' in now) return this.#changes.retire(bucket, now.gone);
      await this.#buckets.free(bucket, execution.name);
      await this.#buckets.drain(bucket, now.rule);
    });
  }

  /**
   * The rule by id as it is now. One not found, disabled or no longer controlling its triggers is confirmed by a fresh
   * read first (`confirmRules`), so that a set read before the rule was created or changed decides nothing.
   */
  async #ruleNow(ruleId: string): Promise<RuleNow> {
    let rule = this.#rules.get(ruleId);
    if (rule !== undefined && this.governs(rule)) return { rule };
    if (this.deps.confirmRules !== undefined) {
      await this.deps.confirmRules();
      rule = this.#rules.get(ruleId);
    }
    if (rule !== undefined) return { rule };
    return { gone: this.deps.ruleSet.disabled?.has(ruleId) === true ? 'rule disabled' : 'rule deleted' };
  }

  /**
   * The rules whose `cancelOn` this event matches: their running executions of the event's correlation are stopped,
   * their queued ones dropped. Returns what it did, by execution name.
   */
  async cancel(event: EngineEvent): Promise<Array<{ name: string; ruleId: string; outcome: 'stopped' | 'dropped' }>> {
    const done: Array<{ name: string; ruleId: string; outcome: 'stopped' | 'dropped' }> = [];
    for (const { rule, pattern } of this.#cancels.get(event.type) ?? []) {
      if (pattern !== undefined && !matchesPattern(pattern, event)) continue;
      const correlationId = event.correlationId ?? correlateByValue(rule, event);
      if (correlationId === undefined) continue;
      const cause = `cancelled by event ${event.id} (${event.type})`;
      for (const execution of await this.deps.executions.byCorrelation(correlationId)) {
        if (execution.ruleId !== rule.id) continue;
        let running = execution.status === 'RUNNING';
        if (execution.status === 'QUEUED') {
          const stoppedAt = new Date(this.deps.clock.now()).toISOString();
          if (await this.deps.executions.finishIfQueued(execution.name, { status: 'ABORTED', stoppedAt, error: { error: CANCELLED_ERROR, cause } })) {
            await this.#skip(execution.eventId, rule.id, 'cancelled');
            done.push({ name: execution.name, ruleId: rule.id, outcome: 'dropped' });
            continue;
          }
          // Not QUEUED any more: a drain started it since the listing (it runs, and is stopped below), or it ended.
          running = (await this.deps.executions.get(execution.name))?.status === 'RUNNING';
        }
        if (running && this.deps.stopExecution !== undefined) {
          try {
            await this.deps.stopExecution(execution.name, { error: CANCELLED_ERROR, cause });
          } catch (error) {
            // Ended meanwhile, or a kind that cannot be stopped (an Express workflow): the cancel goes on with the others.
            // Anything else (throttled, the service down) fails the event's routing, which is retried.
            if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
            this.#logger.warn('cancelOn could not stop an execution', { executionName: execution.name, ruleId: rule.id, eventId: event.id, error: error.message });
            continue;
          }
          done.push({ name: execution.name, ruleId: rule.id, outcome: 'stopped' });
        }
      }
    }
    for (const { name, ruleId, outcome } of done) this.#logger.info(`execution ${outcome} by cancelOn`, { executionName: name, ruleId, eventId: event.id });
    return done;
  }

  /** Runs `work` after the work already in progress on the bucket in this process (other processes are kept apart by the store). */
  #serially<T>(bucket: FlowKey, work: () => Promise<T>): Promise<T> {
    const id = `${bucket.ruleId}\u0000${bucket.key}`;
    const previous = this.#inProgress.get(id) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.#inProgress.set(id, settled);
    void settled.then(() => {
      if (this.#inProgress.get(id) === settled) this.#inProgress.delete(id);
    });
    return next;
  }

  async #skip(eventId: string, ruleId: string, reason: SkipReason): Promise<void> {
    this.#metrics.countLabelled('TriggersSkipped', { ruleId, reason });
    await this.deps.store.noteSkip({ eventId, ruleId, reason });
  }
}

function correlateByValue(rule: Rule, event: EngineEvent): string | undefined {
  if (rule.correlateBy === undefined) return undefined;
  const value = compileFieldReader(rule.correlateBy)(event);
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}
