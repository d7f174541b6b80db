/** Workflows waiting for an event of their correlation (the built-in `wait-for-event` task). */
import type { EngineEvent } from '../envelope.js';
import type { Rule } from '../rules/types.js';
import type { Trigger } from '../execution.js';

/** A waiter as the `wait-for-event` task asks for it. */
export interface WaiterRequest {
  /** The task token that completes the waiting state. */
  token: string;
  correlationId: string;
  eventType: string;
  /** An optional EventBridge pattern the event must also match. */
  pattern?: Record<string, unknown>;
  /** When the wait ends with `States.Timeout`, ISO 8601. */
  expiresAt: string;
}

/** A stored waiter: what `remove` needs to find it again. */
export interface StoredWaiter {
  token: string;
  correlationId: string;
  /** The adapter's own key for the waiter, opaque to core. */
  key: string;
}

export interface WaiterStore {
  add(request: WaiterRequest): Promise<StoredWaiter>;
  /** Live waiters (not expired at `nowMs`) of the event's correlation and type whose pattern it matches. */
  matching(event: EngineEvent, nowMs: number): Promise<StoredWaiter[]>;
  /** Deletes a waiter; nothing happens when it is gone already. */
  remove(waiter: StoredWaiter): Promise<void>;
}

/** Completes waiting task states (Step Functions `SendTaskSuccess`, or the embedded runner's tokens). */
export interface TaskTokens {
  /** False when the task is gone (ended, timed out, or the token is unknown). */
  succeed(token: string, output: unknown): Promise<boolean>;
}

/** Multi-event triggers: the latest event of each type per (rule, correlation). */
export interface JoinStore {
  /** Records the event for the rule's join; the trigger when this event completes it (once per correlation). */
  offer(rule: Rule, event: EngineEvent): Promise<Trigger | undefined>;
}
