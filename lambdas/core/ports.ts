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
