/**
 * Bounded concurrency for fan-outs (per-item conditional puts, per-shard index queries): enough calls
 * in flight to hide latency, never so many that one request floods the table or the socket pool.
 */

/** Runs tasks with at most `max` of them in flight; the rest wait their turn in call order. */
export interface Limiter {
  <T>(task: () => Promise<T>): Promise<T>;
  /**
   * Refuses what is still waiting (its promise rejects with `LimiterClosedError`; nothing is sent)
   * and resolves once the tasks in flight have settled, so a reader that stops early leaves no
   * request running behind it.
   */
  close(): Promise<void>;
}

/** The rejection of a task that was still waiting when its limiter closed. */
export class LimiterClosedError extends Error {
  constructor() {
    super('the read was finished before this request was sent');
    this.name = 'LimiterClosedError';
  }
}

/** @example const limit = createLimiter(25); await Promise.all(items.map((i) => limit(() => put(i)))) */
export function createLimiter(max: number): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`createLimiter: max must be a positive integer, got ${max}`);
  const inFlight = new Set<Promise<unknown>>();
  const waiting: Array<{ start: () => void; refuse: () => void }> = [];
  let closed = false;
  const limit = <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        const running = task().then(resolve, reject);
        inFlight.add(running);
        void running.finally(() => {
          inFlight.delete(running);
          waiting.shift()?.start();
        });
      };
      const refuse = (): void => reject(new LimiterClosedError());
      if (closed) refuse();
      else if (inFlight.size < max) start();
      else waiting.push({ start, refuse });
    });
  limit.close = async (): Promise<void> => {
    closed = true;
    for (const task of waiting.splice(0)) task.refuse();
    await Promise.allSettled([...inFlight]);
  };
  return limit;
}

/**
 * Maps `items` with at most `concurrency` calls in flight and returns the results in input order.
 * After the first rejection no further item is started; the rejection is raised once those in
 * flight have settled, so nothing is left running behind the caller's back.
 */
export async function mapBounded<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
