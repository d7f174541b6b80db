/** Wake-ups for flow control: the moments a rule must look at one key again. */

/** A debounce's quiet ends, a throttle slot opens, a batch times out: rule `ruleId` looks at `key` again at `dueAt`. */
export interface WakeUp {
  ruleId: string;
  /** The flow-control key's value, as the rule read it from the event (the "no key" bucket has its own value). */
  key: string;
  /** ISO 8601, UTC. */
  dueAt: string;
}

/**
 * Delivers wake-ups at or soon after their time, at least once, and survives a restart (SQLite timers embedded; SQS delay
 * messages on AWS). The flow-control application treats an early, late or repeated wake-up as harmless: it re-reads the key's state.
 */
export interface WakeUpScheduler {
  schedule(wakeUps: readonly WakeUp[]): Promise<void>;
}
