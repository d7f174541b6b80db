/** The event log: append-only storage of events, and the routed marks the sweeper reads. */
import type { EngineEvent } from '../envelope.js';
import type { EventPage, EventPosition, EventQuery } from '../query.js';

/** The result of storing one event. */
export interface PutResult {
  id: string;
  /** True when an event with this id (and the same content) was already stored. */
  duplicate: boolean;
}

/**
 * The append-only event store. Every adapter feeds its change stream from `put`: DynamoDB Streams
 * on AWS, the in-process change feed embedded. Storing is all an ingest does; routing follows from the stream.
 */
export interface EventStore {
  /**
   * Stores an event once; a second put of the same id and content reports `duplicate`.
   * Durable when the promise resolves.
   * @throws ConflictError when the id is stored with other content; RetryableError when the store throttles or fails.
   */
  put(event: EngineEvent): Promise<PutResult>;
  get(id: string): Promise<EngineEvent | undefined>;
  /** One page of `GET /events`, in (timestamp, id) order. */
  query(query: EventQuery): Promise<EventPage<EngineEvent>>;
  /** Events with `from ≤ timestamp < to`, after `after` when given, in (timestamp, id) order. */
  range(from: string, to: string, after?: EventPosition): AsyncIterable<EngineEvent>;
}

/** An event the sweeper claimed, and how many sweeps (this one included) have tried it. */
export interface ClaimedEvent {
  event: EngineEvent;
  attempts: number;
  /** When the event was stored (ISO), when the store knows. */
  receivedAt?: string;
}

/** Which stored events are routed: the router marks, the sweeper finds the rest. */
export interface RoutingMarks {
  /** Marks the event routed (idempotent). The last step of routing an event. */
  markRouted(eventId: string): Promise<void>;
  /** Ids of events stored before `cutoff` (ISO) and not routed nor parked, oldest first, at most `limit`. */
  unrouted(cutoff: string, limit: number): Promise<string[]>;
  /** Counts one more sweep of the event and returns it; `undefined` when it was routed (or is gone) meanwhile. */
  claimSweep(eventId: string): Promise<ClaimedEvent | undefined>;
  /** Gives up on the event: no longer listed by `unrouted`, until a redrive routes it by id. */
  park(eventId: string): Promise<void>;
}
