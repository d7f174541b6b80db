/**
 * Flow control's state (see docs/rules.md, "Flow control"): per (rule, key) one state document written by compare-and-set,
 * and a queue of waiting triggers in a stable order — shaped so that DynamoDB holds each as single items of one partition.
 */
import type { Trigger } from '../execution.js';

/** One flow-control bucket: a rule and the key's value it read from an event (the "no key" bucket has its own value). */
export interface FlowKey {
  ruleId: string;
  key: string;
}

/** A start that counts against a throttle or rate limit: which execution, and when (epoch ms). */
export interface FlowStart {
  name: string;
  at: number;
}

/** An open debounce or batch window: the execution it will start (its name is fixed when the window opens). */
export interface FlowWindow {
  /** The execution name the window starts under: the name of its QUEUED record. */
  name: string;
  /** When the window opened (epoch ms), for `maxWait` and a batch's `timeout`. */
  openedAt: number;
  /** When it is due (epoch ms): the quiet's end (debounce) or the timeout (batch). */
  dueAt: number;
  /** Debounce: the trigger of the last event, which the window starts with. */
  last?: Trigger;
  /** Batch: how many events joined it. */
  size?: number;
  /** Batch: their size as JSON, in bytes (a batch closes before the workflow input limit). */
  bytes?: number;
}

/**
 * The state of one bucket. Every field is bounded: `starts` holds at most the larger limit of `throttle` and `rateLimit`
 * (both at most 1,000), `running` at most the concurrency limit, so one item stays far below DynamoDB's 400 KB.
 */
export interface FlowState {
  /** Throttle: the latest starts, oldest first (a sliding window). */
  starts?: FlowStart[];
  /** Rate limit: the latest admitted triggers, oldest first. */
  admitted?: FlowStart[];
  /** Concurrency: the executions of this bucket started and not yet seen ended. */
  running?: string[];
  /** Debounce or batch: the open window. */
  window?: FlowWindow;
  /**
   * Only in a rule version's own document (see flow-rule-changes.ts): the key path that version of the rule read, so
   * that an execution's end finds the bucket it took its slot in after the rule's key changed or the rule went.
   */
  keyPath?: string;
}

/** A state as read, with the version a write must name. */
export interface VersionedFlowState {
  state: FlowState;
  /** 1 for the first write, one more for each; a bucket never written reads as `undefined`. */
  version: number;
}

/** A trigger waiting in a bucket's queue. */
export interface QueuedTrigger {
  /**
   * Its place in the queue, compared as text: `<event timestamp>#<event id>` (see `queuePosition`), so the queue is in event
   * order and queueing the same event twice lands on the same place.
   */
  position: string;
  trigger: Trigger;
  /** The batch window it belongs to, for a `batch` rule. */
  window?: string;
}

/** Why flow control did not start a trigger (`rule_removed`: its rule was deleted or disabled while it waited). */
export type SkipReason = 'rate_limited' | 'debounced' | 'cancelled' | 'rule_removed';

/** A trigger flow control skipped, kept for the event's routing explanation. */
export interface FlowSkip {
  eventId: string;
  ruleId: string;
  reason: SkipReason;
}

/**
 * The store. Each method is one conditional single-item write or one query of one partition on DynamoDB (the State table:
 * partition `flow#<ruleId>#<key>`, sort `state` or `q#<position>`; skips under `skip#<eventId>`); SQLite runs each as one statement.
 */
export interface FlowStateStore {
  read(bucket: FlowKey): Promise<VersionedFlowState | undefined>;
  /**
   * Writes `state` when the stored version is `expected` (0: no state yet), as version `expected + 1`; false when another
   * writer got there first (the caller reads again and retries).
   */
  write(bucket: FlowKey, state: FlowState, expected: number): Promise<boolean>;
  /** Deletes the state when its version is `expected`; false otherwise. An idle bucket leaves nothing behind. */
  clear(bucket: FlowKey, expected: number): Promise<boolean>;
  /** Adds a waiting trigger; false when its position is taken already (the same event queued before: kept as it was). */
  enqueue(bucket: FlowKey, entry: QueuedTrigger): Promise<boolean>;
  /** The first `limit` waiting triggers, in position order. */
  peek(bucket: FlowKey, limit: number): Promise<QueuedTrigger[]>;
  /** Removes waiting triggers by position; positions not there are ignored. */
  remove(bucket: FlowKey, positions: readonly string[]): Promise<void>;
  /** Notes a skip (idempotent per event, rule and reason). */
  noteSkip(skip: FlowSkip): Promise<void>;
  /** The skips noted for an event, by rule id. */
  skipsFor(eventId: string): Promise<FlowSkip[]>;
}

/** A trigger's place in its bucket's queue: event order, then id (ISO timestamps sort as text). */
export function queuePosition(trigger: Trigger): string {
  const { event } = trigger.input;
  return `${event.timestamp}#${event.id}`;
}
