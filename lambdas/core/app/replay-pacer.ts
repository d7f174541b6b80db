/**
 * Rate control for a replay: each call of n entries reserves n / rate seconds, so a job never puts
 * more than `ratePerSecond` entries on the bus in any second (on average, in bursts of at most one
 * call). The mark survives the page — it is stored with the job's cursor — so that the next page,
 * in another Lambda invocation or another turn of the embedded loop, keeps the same pace.
 */
import type { Clock } from '../clock.js';

export class ReplayPacer {
  readonly #intervalMs: number | undefined;
  readonly #clock: Clock;
  #next: number | undefined;

  /** `ratePerSecond` undefined: no pacing. `next`: the mark a previous page left (epoch ms). */
  constructor(ratePerSecond: number | undefined, clock: Clock, next?: number) {
    this.#intervalMs = ratePerSecond === undefined ? undefined : 1000 / ratePerSecond;
    this.#clock = clock;
    this.#next = next;
  }

  /**
   * Entries one call may carry: never more than `max`, and on a paced job never more than
   * `burstSeconds` seconds' worth (at least one entry, so a burst of 0 sends entry by entry).
   */
  static batchSize(ratePerSecond: number | undefined, max: number, burstSeconds = 1): number {
    return ratePerSecond === undefined ? max : Math.min(max, Math.max(1, Math.floor(ratePerSecond * burstSeconds)));
  }

  /** How long to wait before the next call (ms, 0 when it may go now). */
  delay(): number {
    return this.#next === undefined ? 0 : Math.max(0, this.#next - this.#clock.now());
  }

  /** Records a call of `entries` entries sent now (after waiting `delay()`). */
  sent(entries: number): void {
    if (this.#intervalMs === undefined) return;
    const now = this.#clock.now();
    this.#next = Math.max(now, this.#next ?? now) + entries * this.#intervalMs;
  }

  /** The mark to store with the job: no call may go before it. */
  get next(): number | undefined {
    return this.#next;
  }
}
