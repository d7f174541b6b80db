/**
 * Correlation metrics' state: what routing tells of each event (which correlations it touched), and, where no process
 * lives long enough to keep that in memory (AWS), a store of per-correlation counters that a scheduled pass closes.
 */

/** One correlation an event's routing touched: the event itself (`events` 1) and the workflows it started for it. */
export interface CorrelationTouch {
  correlationId: string;
  /** 1 when the routed event carries this correlation id, 0 when only a start did (a rule's `correlateBy`, or the event id). */
  events: number;
  /** Workflows of the executions routing started (or found started) under this correlation. */
  workflowIds: readonly string[];
  /** The routed event, on the touch that counts it (`events` 1): a store that remembers it counts a redelivery once. */
  eventId?: string;
}

/** What the router hands each routed event's touches to: memory (embedded) or a store (AWS). */
export interface CorrelationRecorder {
  record(touches: readonly CorrelationTouch[]): void | Promise<void>;
}

/** A correlation closed once idle: what the three per-correlation distributions observe. */
export interface ClosedCorrelation {
  correlationId: string;
  /** Its first and last activity (epoch ms). */
  firstMs: number;
  lastMs: number;
  events: number;
  /** Distinct workflows it started. */
  workflows: number;
}

/**
 * Per-correlation counters kept in a store: one write per touch, and a pass that closes the idle ones.
 * Every method may throw RetryableError when the store throttles or fails.
 */
export interface CorrelationCounterStore {
  /**
   * Adds each touch to its correlation's counters (creating them), as activity now. A touch whose `eventId` the
   * correlation has counted lately (a redelivered batch, the sweeper after the router) adds nothing: see `recentEventMark`.
   */
  record(touches: readonly CorrelationTouch[]): Promise<void>;
  /**
   * Removes up to `limit` correlations whose last activity is at or before `horizonMs` and answers them. Each is answered
   * once: one that saw activity meanwhile stays, and two passes at once never both answer the same one.
   */
  closeIdle(horizonMs: number, limit: number): Promise<ClosedCorrelation[]>;
  /** Correlations kept (those not closed yet). */
  countKept(): Promise<number>;
}
