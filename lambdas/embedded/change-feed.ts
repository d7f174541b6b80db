/**
 * The embedded stand-in for DynamoDB Streams: stored events are handed to one consumer,
 * in the order they were stored, in batches (as a stream shard delivers them). What it has not handed on when the process
 * dies is found again by the start-up sweeper (events with no `routed_at`).
 */
import type { EngineEvent, EventStore } from '../core/index.js';

export class ChangeFeed<T> {
  readonly #queue: T[] = [];
  #draining: Promise<void> | undefined;

  constructor(
    private readonly consume: (items: T[]) => Promise<void>,
    private readonly onError: (items: T[], error: unknown) => void,
    private readonly batchSize = 500,
  ) {}

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
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.batchSize);
      try {
        await this.consume(batch);
      } catch (error) {
        this.onError(batch, error);
      }
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
