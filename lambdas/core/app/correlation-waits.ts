/**
 * `wait-for-event`, for both homes: a waiter is registered in the waiter store and completed through
 * task tokens — by routing, when a matching event is routed, or at once by the task itself, when its
 * look-back over the correlation's stored events finds one. Register first, then look back: an event
 * routed in between is seen by one or the other.
 */
import type { Clock } from '../clock.js';
import type { EngineEvent } from '../envelope.js';
import { compilePattern } from '../pattern/index.js';
import type { EventStore } from '../ports/events.js';
import type { StoredWaiter, TaskTokens, WaiterRequest, WaiterStore } from '../ports/waiters.js';
import { MAX_QUERY_LIMIT } from '../query.js';

export interface CorrelationWaitsOptions {
  waiters: WaiterStore;
  tokens: TaskTokens;
  /** The correlation reads of the event store; needed by `register` only (routing never looks back). */
  events?: Pick<EventStore, 'query'>;
  /** "Now" for a waiter's expiry; needed by `onRouted` only (the look-back reads no clock). */
  clock?: Clock;
}

/** A waiter that an event completed, or found gone. */
export interface WaiterOutcome {
  token: string;
  eventId: string;
  /** False when the waiting task had ended already (its waiter is deleted all the same). */
  delivered: boolean;
}

/**
 * @example await waits.onRouted(event) // when an event is routed
 * @example await waits.register(request) // in the wait-for-event task
 */
export class CorrelationWaits {
  constructor(private readonly options: CorrelationWaitsOptions) {}

  /**
   * Registers the waiter, then completes it at once with the earliest stored event of its type
   * (and pattern) in its correlation, if there is one.
   * @returns the outcome when the look-back completed the wait, else undefined.
   */
  async register(request: WaiterRequest): Promise<WaiterOutcome | undefined> {
    if (this.options.events === undefined) throw new Error('CorrelationWaits.register needs the event store (options.events)');
    const stored = await this.options.waiters.add(request);
    const pattern = request.pattern ? compilePattern(request.pattern) : undefined;
    const { events } = await this.options.events.query({ correlationId: request.correlationId, type: request.eventType, limit: MAX_QUERY_LIMIT });
    const earlier = events.find((event) => pattern === undefined || pattern.matches(event));
    return earlier === undefined ? undefined : this.complete(stored, earlier);
  }

  /** Completes every live waiter this routed event satisfies; a waiter whose task is gone is deleted too. */
  async onRouted(event: EngineEvent): Promise<WaiterOutcome[]> {
    if (this.options.clock === undefined) throw new Error('CorrelationWaits.onRouted needs a clock (options.clock)');
    const waiters = await this.options.waiters.matching(event, this.options.clock.now());
    const outcomes: WaiterOutcome[] = [];
    for (const waiter of waiters) outcomes.push(await this.complete(waiter, event));
    return outcomes;
  }

  /** Sends first, deletes after: a failure in between leaves the waiter for the retry, which finds the task gone. */
  private async complete(waiter: StoredWaiter, event: EngineEvent): Promise<WaiterOutcome> {
    const delivered = await this.options.tokens.succeed(waiter.token, event);
    await this.options.waiters.remove(waiter);
    return { token: waiter.token, eventId: event.id, delivered };
  }
}
