/**
 * The embedded stand-in for DynamoDB Streams: stored events are handed to one consumer,
 * in the order they were stored, one at a time. What it has not handed on when the process
 * dies is found again by the start-up sweeper (events with no `routed_at`).
 */
export class ChangeFeed<T> {
  readonly #queue: T[] = [];
  #draining: Promise<void> | undefined;

  constructor(private readonly consume: (item: T) => Promise<void>, private readonly onError: (item: T, error: unknown) => void) {}

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
    let item: T | undefined;
    while ((item = this.#queue.shift()) !== undefined) {
      try {
        await this.consume(item);
      } catch (error) {
        this.onError(item, error);
      }
    }
    this.#draining = undefined;
  }
}
