/**
 * The embedded home's clock for schedules: one timer that ticks the `ScheduleRunner` when the next
 * fire is due (and at least once a minute, so a clock that jumps — a laptop waking up — is noticed).
 */
import type { Logger, ScheduleRunner } from '../core/index.js';

/** The longest the timer sleeps between ticks. */
export const MAX_SLEEP_MS = 60_000;
/** How long the timer waits after a failed tick (a store failure) before trying again. */
const RETRY_MS = 5_000;

export class ScheduleTimer {
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly runner: ScheduleRunner,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** Fires what is due now (catch-up after downtime included), then keeps time; nothing happens without schedule rules. */
  start(): void {
    if (this.runner.active) this.#schedule(0);
  }

  /** Ticks once now and waits for it (tests drive a fake clock with it). */
  async tickNow(): Promise<void> {
    await this.#ticking;
    await this.#tick();
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, Math.min(delayMs, MAX_SLEEP_MS)));
    // A library user's process may exit while schedules are waiting.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const run = (async () => {
      let next: number | undefined;
      try {
        next = await this.runner.tick();
      } catch (error) {
        this.logger.error('a schedule tick failed; retrying', { error: String(error) });
        next = this.now() + RETRY_MS;
      }
      clearTimeout(this.#timer);
      this.#schedule(next === undefined ? MAX_SLEEP_MS : next - this.now());
    })();
    this.#ticking = run;
    await run;
  }
}
