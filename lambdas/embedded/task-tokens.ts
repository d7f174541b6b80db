/**
 * The embedded stand-in for Step Functions task tokens: a `.waitForTaskToken` state parks on a
 * promise until `succeed` or `fail` is called with its token (what SendTaskSuccess / SendTaskFailure do).
 * `LocalTaskTokens` is the `TaskTokens` port on it.
 */
import type { TaskTokens as TaskTokensPort } from '../core/index.js';

interface Parked {
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

type Outcome = { ok: true; output: unknown } | { ok: false; error: Error };

export class TaskTokens {
  /** Tokens issued and not completed yet, of executions still running. */
  readonly #open = new Set<string>();
  readonly #parked = new Map<string, Parked>();
  readonly #early = new Map<string, Outcome>();
  #counter = 0;

  /** A new token for one wait of one execution; the execution name prefixes it so its waits can be found. */
  issue(executionName: string, stateName: string): string {
    const token = `${executionName}#${stateName}#${++this.#counter}`;
    this.#open.add(token);
    return token;
  }

  /** Resolves with what `succeed` is given for `token`, even if it was called before this. */
  wait(token: string): Promise<unknown> {
    const early = this.#early.get(token);
    if (early) {
      this.#early.delete(token);
      return early.ok ? Promise.resolve(early.output) : Promise.reject(early.error);
    }
    return new Promise((resolve, reject) => this.#parked.set(token, { resolve, reject }));
  }

  /** Completes a wait; false when the token is unknown, already completed, or its execution has ended. */
  succeed(token: string, output: unknown): boolean {
    return this.#settle(token, { ok: true, output });
  }

  fail(token: string, errorName: string, cause: string): boolean {
    const error = new Error(cause);
    error.name = errorName;
    return this.#settle(token, { ok: false, error });
  }

  /** Forgets every token of an execution that has ended. */
  release(executionName: string): void {
    for (const tokens of [this.#open, this.#parked, this.#early]) {
      for (const token of tokens.keys()) if (token.startsWith(`${executionName}#`)) tokens.delete(token);
    }
  }

  #settle(token: string, outcome: Outcome): boolean {
    // A token completes once: a second completion (a waiter found twice) reaches a task that is gone.
    if (!this.#open.delete(token)) return false;
    const parked = this.#parked.get(token);
    if (!parked) {
      // The task completed its own wait (look-back) before the runner parked on the token.
      this.#early.set(token, outcome);
      return true;
    }
    this.#parked.delete(token);
    if (outcome.ok) parked.resolve(outcome.output);
    else parked.reject(outcome.error);
    return true;
  }
}

/**
 * `TaskTokens` on the local runner's tokens.
 * @example const delivered = await new LocalTaskTokens(tokens).succeed(token, event)
 */
export class LocalTaskTokens implements TaskTokensPort {
  constructor(private readonly tokens: TaskTokens) {}

  /** Completes the wait on `token`; false when that task is gone (ended, completed, or the token is unknown). */
  async succeed(token: string, output: unknown): Promise<boolean> {
    return this.tokens.succeed(token, output);
  }
}
