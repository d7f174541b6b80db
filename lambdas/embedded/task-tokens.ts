/**
 * The embedded stand-in for Step Functions task tokens: a `.waitForTaskToken` state parks on a
 * promise until `succeed` or `fail` is called with its token (what SendTaskSuccess / SendTaskFailure do).
 */
interface Parked {
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

export class TaskTokens {
  readonly #parked = new Map<string, Parked>();
  readonly #early = new Map<string, { ok: true; output: unknown } | { ok: false; error: Error }>();
  #counter = 0;

  /** A new token for one wait of one execution; the execution name prefixes it so its waits can be found. */
  issue(executionName: string, stateName: string): string {
    return `${executionName}#${stateName}#${++this.#counter}`;
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

  /** Completes a wait; false when the token is unknown or already completed. */
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
    for (const map of [this.#parked, this.#early]) {
      for (const token of map.keys()) if (token.startsWith(`${executionName}#`)) map.delete(token);
    }
  }

  #settle(token: string, outcome: { ok: true; output: unknown } | { ok: false; error: Error }): boolean {
    const parked = this.#parked.get(token);
    if (!parked) {
      // The task completed its own wait (look-back) before the runner parked on the token.
      if (this.#early.has(token)) return false;
      this.#early.set(token, outcome);
      return true;
    }
    this.#parked.delete(token);
    if (outcome.ok) parked.resolve(outcome.output);
    else parked.reject(outcome.error);
    return true;
  }
}
