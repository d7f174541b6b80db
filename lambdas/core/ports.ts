/** Ports: what core needs from the outside world. Adapters in `lambdas/aws` and `lambdas/local` implement them. */
import type { EngineEvent } from './envelope.js';
import type { Trigger } from './execution.js';

/** The result of storing one event. */
export interface PutResult {
  id: string;
  /** True when an event with this id (and the same content) was already stored. */
  duplicate: boolean;
}

/** The append-only event store. */
export interface EventStore {
  /** Stores an event once; a second put of the same id reports `duplicate`. Durable when the promise resolves. */
  put(event: EngineEvent): Promise<PutResult>;
  get(id: string): Promise<EngineEvent | undefined>;
}

/** Starts workflow executions. Starting a name that already exists counts as success. */
export interface WorkflowStarter {
  start(trigger: Trigger): Promise<{ alreadyStarted: boolean }>;
}

/** A workflow waiting for an event of its correlation (the built-in `wait-for-event` task). */
export interface WaiterRequest {
  /** The Step Functions task token that `SendTaskSuccess` completes. */
  token: string;
  correlationId: string;
  eventType: string;
  /** An optional EventBridge pattern the event must also match. */
  pattern?: Record<string, unknown>;
  /** When the wait ends with `States.Timeout`, ISO 8601. */
  expiresAt: string;
}

/**
 * What the built-in task functions need from the engine they run in. The embedded engine
 * provides it in-process; on AWS it is backed by the tables and the Step Functions API.
 */
export interface TaskServices {
  /** Ingests an event like any other (validated, stored, routed). */
  emitEvent(input: { type: string; source?: string; data?: Record<string, unknown>; correlationId: string }): Promise<{ id: string }>;
  /**
   * Registers a waiter, then looks back over the correlation's stored events: an event that arrived
   * before the wait began completes it at once. Later events complete it when routed.
   */
  registerWaiter(request: WaiterRequest): Promise<void>;
}
