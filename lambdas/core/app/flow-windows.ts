/**
 * Flow control's windows per (rule, key): `debounce` (one start with the last event after a quiet period) and `batch`
 * (one start with the events collected until full or timed out). A window is one `QUEUED` execution, named when it opens.
 */
import { executionName, type Trigger } from '../execution.js';
import type { FlowKey, FlowWindow, SkipReason } from '../ports/flow-control.js';
import { queuePosition } from '../ports/flow-control.js';
import type { Rule } from '../rules/types.js';
import type { FlowBuckets } from './flow-buckets.js';
import { updateState, type FlowControlDeps, type FlowDecision } from './flow-state.js';

/** A batch closes before its events outgrow the workflow input limit (256 KiB, with room for the rest of the input). */
export const MAX_BATCH_BYTES = 200 * 1024;

const iso = (ms: number): string => new Date(ms).toISOString();
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** Where a batch's events wait: beside the bucket, so they never mix with its queue of triggers. */
export const batchStorage = (bucket: FlowKey): FlowKey => ({ ruleId: bucket.ruleId, key: `batch:${bucket.key}` });

export class FlowWindows {
  constructor(
    private readonly deps: Pick<FlowControlDeps, 'store' | 'wakeUps' | 'executions' | 'clock'>,
    private readonly buckets: FlowBuckets,
    private readonly skip: (eventId: string, ruleId: string, reason: SkipReason) => Promise<void>,
  ) {}

  /** `debounce`: the trigger becomes its window's last; the one it replaces is skipped as `debounced`. */
  async debounce(bucket: FlowKey, rule: Rule, trigger: Trigger, { periodMs, maxWaitMs }: { periodMs: number; maxWaitMs?: number }): Promise<FlowDecision> {
    await this.#fireIfDue(bucket, rule, 'debounce');
    const eventId = trigger.input.event.id;
    type Outcome = { kind: 'same' } | { kind: 'opened'; window: FlowWindow } | { kind: 'joined'; previous: Trigger | undefined };
    const outcome = await updateState<Outcome>(this.deps.store, bucket, (state) => {
      const now = this.deps.clock.now();
      const window = state.window;
      const dueAt = (openedAt: number) => Math.min(now + periodMs, maxWaitMs === undefined ? Number.POSITIVE_INFINITY : openedAt + maxWaitMs);
      if (window?.last?.input.event.id === eventId) return { result: { kind: 'same' } };
      if (window === undefined || now >= window.dueAt) {
        const name = executionName(rule.id, `debounce\u0000${bucket.key}\u0000${eventId}`);
        state.window = { name, openedAt: now, dueAt: dueAt(now), last: { ...trigger, executionName: name } };
        return { state, result: { kind: 'opened', window: state.window } };
      }
      state.window = { ...window, dueAt: dueAt(window.openedAt), last: { ...trigger, executionName: window.name } };
      return { state, result: { kind: 'joined', previous: window.last } };
    });
    if (outcome.kind === 'opened') {
      await this.deps.executions.hold(outcome.window.last as Trigger, iso(outcome.window.openedAt));
      await this.#wakeAt(bucket, outcome.window.dueAt);
    } else if (outcome.kind === 'joined' && outcome.previous !== undefined) {
      await this.skip(outcome.previous.input.event.id, rule.id, 'debounced');
    }
    return { kind: 'queued' };
  }

  /** `batch`: the trigger's event joins the open batch (or opens one); a full batch starts at once. */
  async collect(bucket: FlowKey, rule: Rule, trigger: Trigger, { maxSize, timeoutMs }: { maxSize: number; timeoutMs: number }): Promise<FlowDecision> {
    await this.#fireIfDue(bucket, rule, 'batch');
    const eventId = trigger.input.event.id;
    const bytes = JSON.stringify(trigger.input.event).length;
    const { window, opened } = await updateState(this.deps.store, bucket, (state) => {
      const now = this.deps.clock.now();
      const open = state.window;
      if (open !== undefined && now < open.dueAt && (open.size ?? 0) < maxSize && (open.bytes ?? 0) + bytes <= MAX_BATCH_BYTES) {
        state.window = { ...open, size: (open.size ?? 0) + 1, bytes: (open.bytes ?? 0) + bytes };
        return { state, result: { window: state.window, opened: false } };
      }
      const name = executionName(rule.id, `batch\u0000${bucket.key}\u0000${eventId}`);
      state.window = { name, openedAt: now, dueAt: now + timeoutMs, size: 1, bytes };
      return { state, result: { window: state.window, opened: true } };
    });
    await this.deps.store.enqueue(batchStorage(bucket), { position: queuePosition(trigger), trigger, window: window.name });
    if (opened) {
      await this.deps.executions.hold({ ...trigger, executionName: window.name }, iso(window.openedAt));
      await this.#wakeAt(bucket, window.dueAt);
    }
    if ((window.size ?? 0) >= maxSize) await this.#fire(bucket, rule, window);
    return { kind: 'queued' };
  }

  /**
   * A wake-up: the open window fires when it is due, or the wake-up is moved to when it will be. A window keeps the end it
   * was given (by the rule's settings when it opened) whatever the rule says now; `now`: the rule no longer controls its
   * triggers, and the window fires at once.
   */
  async wake(bucket: FlowKey, rule: Rule, now = false): Promise<void> {
    const window = (await this.deps.store.read(bucket))?.state.window;
    if (window === undefined) return;
    if (!now && this.deps.clock.now() < window.dueAt) await this.#wakeAt(bucket, window.dueAt);
    else await this.#fire(bucket, rule, window);
  }

  /**
   * An arriving event fires a window that is due and whose wake-up has not come yet, before it opens the next; and a
   * window of the other kind (the rule changed from `debounce` to `batch` or back), which it must not join.
   */
  async #fireIfDue(bucket: FlowKey, rule: Rule, kind: 'debounce' | 'batch'): Promise<void> {
    const window = (await this.deps.store.read(bucket))?.state.window;
    if (window === undefined) return;
    const full = window.size !== undefined && window.size >= (rule.flow?.batch?.maxSize ?? Number.POSITIVE_INFINITY);
    const other = (window.last === undefined) !== (kind === 'batch');
    if (full || other || this.deps.clock.now() >= window.dueAt) await this.#fire(bucket, rule, window);
  }

  /**
   * Starts a window's one execution (through the throttle and concurrency gates, when the rule has them), then closes it.
   * Start before close: a crash between starts the same name again, a no-op.
   */
  async #fire(bucket: FlowKey, rule: Rule, window: FlowWindow): Promise<void> {
    const record = await this.deps.executions.get(window.name);
    const dropped = record !== undefined && ENDED.has(record.status); // cancelled while it waited
    const storage = batchStorage(bucket);
    let taken: string[] = [];
    // The window's own kind, not the rule's: the rule may have changed since it opened.
    if (window.last === undefined) {
      const maxSize = Math.max(rule.flow?.batch?.maxSize ?? 1, window.size ?? 1);
      const entries = (await this.deps.store.peek(storage, maxSize * 2 + 10)).filter((e) => e.window === window.name).slice(0, maxSize);
      taken = entries.map((e) => e.position);
      const last = entries[entries.length - 1]?.trigger;
      if (!dropped && last !== undefined) {
        const events = entries.map((e) => e.trigger.input.event);
        const input = { event: last.input.event, events, rule: { id: rule.id, priority: rule.priority }, correlationId: last.input.correlationId };
        await this.buckets.gate(bucket, rule, { workflowId: rule.workflow, ruleId: rule.id, executionName: window.name, input });
      }
    } else if (!dropped && window.last !== undefined) {
      await this.buckets.gate(bucket, rule, window.last);
    }
    if (taken.length > 0) await this.deps.store.remove(storage, taken);
    await updateState(this.deps.store, bucket, (state) => {
      if (state.window?.name !== window.name) return { result: undefined };
      delete state.window;
      return { state, result: undefined };
    });
  }

  #wakeAt(bucket: FlowKey, dueAt: number): Promise<void> {
    return this.deps.wakeUps.schedule([{ ruleId: bucket.ruleId, key: bucket.key, dueAt: iso(dueAt) }]);
  }
}
