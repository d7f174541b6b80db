/** What the built-in task functions need from the engine they run in. */
import type { WaiterRequest } from './waiters.js';

/**
 * The embedded engine provides it in-process; on AWS it is backed by the tables and the Step Functions API.
 */
export interface TaskServices {
  /**
   * Ingests an event like any other (validated, stored, routed). With an `idempotencyKey` the event's
   * id is derived from it, so a retried or re-run task emits under the same id and the store keeps one.
   */
  emitEvent(input: { type: string; source?: string; data?: Record<string, unknown>; correlationId: string; idempotencyKey?: string }): Promise<{ id: string }>;
  /**
   * Registers a waiter, then looks back over the correlation's stored events: an event that arrived
   * before the wait began completes it at once. Later events complete it when routed.
   */
  registerWaiter(request: WaiterRequest): Promise<void>;
}
