/**
 * The embedded stand-in for DynamoDB Streams: stored events are handed to one consumer, in the
 * order they were stored, in batches (as stream shards deliver them). Several batches may be in
 * the consumer's hands at once, as several shards are: routing a batch waits for its commits, and
 * one batch at a time would leave the engine idle between them while ingestion runs ahead. What it
 * has not handed on when the process dies is found again by the start-up sweeper (events with no `routed_at`).
 */
import type { EngineEvent, EventStore } from '../core/index.js';

export interface ChangeFeedOptions {
  /** Items in one batch at most. Default 500. */
  batchSize?: number;
  /** Batches being consumed at once at most. Default 4. */
  inFlight?: number;
}

export class ChangeFeed<T> {
  readonly #queue: T[] = [];
  readonly #batchSize: number;
  readonly #inFlight: number;
  #draining: Promise<void> | undefined;

  constructor(
    private readonly consume: (items: T[]) => Promise<void>,
    private readonly onError: (items: T[], error: unknown) => void,
    options: ChangeFeedOptions = {},
  ) {
    this.#batchSize = options.batchSize ?? 500;
    this.#inFlight = options.inFlight ?? 4;
  }

  publish(item: T): void {
    this.#queue.push(item);
    this.#draining ??= this.#drain();
  }

  /** Resolves when everything published so far has been consumed. */
  async drained(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  get backlog(): number {
    return this.#queue.length;
  }

  async #drain(): Promise<void> {
    // Yield first so the publisher's response goes out before routing work starts.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const running = new Set<Promise<void>>();
    while (this.#queue.length > 0 || running.size > 0) {
      while (this.#queue.length > 0 && running.size < this.#inFlight) {
        const batch = this.#queue.splice(0, this.#batchSize);
        const consumed: Promise<void> = this.consume(batch)
          .catch((error: unknown) => this.onError(batch, error))
          .finally(() => running.delete(consumed));
        running.add(consumed);
      }
      await Promise.race(running);
    }
    this.#draining = undefined;
  }
}

/**
 * The store's `put`, publishing each newly stored event once it is committed — the embedded
 * counterpart of a table whose stream carries every inserted item to the router.
 */
export function feedingPuts(store: Pick<EventStore, 'put'>, publish: (event: EngineEvent) => void): Pick<EventStore, 'put'> {
  return {
    async put(event) {
      const result = await store.put(event);
      if (!result.duplicate) publish(event);
      return result;
    },
  };
}

/**
 * The store's `put` as the engine uses it: each event's receipt noted (routing and start latencies are measured
 * from it), and each newly stored event published to the feed and to listeners (the live stream) once committed.
 */
export class StoredEventSignals {
  readonly #listeners = new Set<(event: EngineEvent) => void>();
  readonly #receivedAt = new WeakMap<EngineEvent, number>();
  /** The put to store through. */
  readonly store: Pick<EventStore, 'put'>;

  constructor(inner: Pick<EventStore, 'put'>, publish: (event: EngineEvent) => void, now: () => number) {
    const published = feedingPuts(inner, (event) => {
      publish(event);
      for (const listener of this.#listeners) listener(event);
    });
    this.store = {
      put: (event) => {
        this.#receivedAt.set(event, now());
        return published.put(event);
      },
    };
  }

  /** Calls `listener` after each newly stored event is committed, until the answer is called. */
  onStored(listener: (event: EngineEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** When this put took the event (ISO), while the event object is alive. */
  receivedAt(event: EngineEvent): string | undefined {
    const ms = this.#receivedAt.get(event);
    return ms === undefined ? undefined : new Date(ms).toISOString();
  }
}
