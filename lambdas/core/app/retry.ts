/**
 * Retries inside one invocation: a throttled call is tried again a few times with exponential
 * backoff and full jitter before its record is handed back to the stream as a batch item failure.
 */
import { isEngineError } from '../errors.js';

export interface BackoffOptions {
  /** Attempts in all, the first included. Default 3. */
  tries?: number;
  /** The first delay's ceiling. Default 100 ms. */
  baseMs?: number;
  /** No delay's ceiling grows past this. Default 1 s. */
  maxMs?: number;
  /** Which errors deserve another try. Default: core errors that say `retryable`. */
  retryable?: (error: unknown) => boolean;
  /** Injectable for tests: waiting and randomness. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told before each wait, e.g. to log the throttling. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const defaultRetryable = (error: unknown): boolean => isEngineError(error) && error.retryable;

/**
 * Runs `task` until it succeeds, throws an error that is not retryable, or uses up its tries
 * (the last error is then thrown). Attempt n waits a random time in [0, min(maxMs, baseMs·2ⁿ⁻¹)).
 * @example await withBackoff(() => sfn.send(command), { tries: 3 })
 */
export async function withBackoff<T>(task: () => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const tries = options.tries ?? 3;
  const baseMs = options.baseMs ?? 100;
  const maxMs = options.maxMs ?? 1000;
  const retryable = options.retryable ?? defaultRetryable;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= tries || !retryable(error)) throw error;
      const delayMs = Math.floor(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
