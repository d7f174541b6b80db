/** What a rule's flow-control fields say once read (see flow-control.ts, which reads them, and docs/rules.md). */

/** What a rule's flow-control fields say, durations in milliseconds. */
export interface FlowControlSpec {
  /** The key's field path in its envelope form (`$.data.tenant`, `$.source`), or `correlationId`. */
  key: string;
  debounce?: { periodMs: number; maxWaitMs?: number };
  throttle?: { limit: number; periodMs: number };
  concurrency?: { limit: number };
  rateLimit?: { limit: number; periodMs: number };
  batch?: { maxSize: number; timeoutMs: number };
  /** Events that stop this rule's running executions of their correlation and drop its queued ones. */
  cancelOn?: Array<{ eventType: string; pattern?: Record<string, unknown> }>;
}
