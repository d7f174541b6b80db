/**
 * The correlation metrics where routing runs in short-lived processes (AWS): routing adds each event's touches to
 * per-correlation counters in a store, and this pass — run on a schedule — closes the correlations idle past the window,
 * observes each once (the same distributions and definitions as `CorrelationActivity`), and reports how many stay active.
 */
import type { Clock } from '../clock.js';
import type { CorrelationCounterStore } from '../ports/correlation-counters.js';
import type { EngineMetrics } from '../ports/observability.js';
import { CORRELATION_WINDOW_MS, observeClosedCorrelation } from './correlation-activity.js';

export interface CorrelationMetricsPassOptions {
  store: CorrelationCounterStore;
  metrics: Pick<EngineMetrics, 'observe' | 'gauge' | 'count'>;
  clock: Clock;
  /** Idle time after which a correlation is closed. Default `CORRELATION_WINDOW_MS` (as embedded). */
  windowMs?: number;
  /** Correlations closed per round; rounds go on while a round is full and time is left. Default 500. */
  batch?: number;
}

/** What one pass did. */
export interface CorrelationPassReport {
  closed: number;
  /** Correlations still active after the pass (the `ActiveCorrelations` gauge). */
  active: number;
  /** True when the deadline came before every idle correlation was closed (the rest are the next pass's). */
  stoppedEarly: boolean;
}

/** @example const { closed, active } = await new CorrelationMetricsPass({ store, metrics, clock }).run(deadlineMs) */
export class CorrelationMetricsPass {
  readonly #windowMs: number;
  readonly #batch: number;

  constructor(private readonly options: CorrelationMetricsPassOptions) {
    this.#windowMs = options.windowMs ?? CORRELATION_WINDOW_MS;
    this.#batch = options.batch ?? 500;
  }

  /**
   * Closes the idle correlations (until `deadlineMs`, epoch ms, when given), then sets `ActiveCorrelations` to the ones kept.
   * A pass that fails counts `CorrelationPassesFailed`: its caller logs it and goes on, so the count is what tells an
   * operator that passes keep failing (the AWS stack alarms on it).
   * @throws whatever the store throws (RetryableError when it throttles): what was closed before stays observed.
   */
  async run(deadlineMs?: number): Promise<CorrelationPassReport> {
    try {
      return await this.#run(deadlineMs);
    } catch (error) {
      this.options.metrics.count('CorrelationPassesFailed');
      throw error;
    }
  }

  async #run(deadlineMs: number | undefined): Promise<CorrelationPassReport> {
    const { store, metrics, clock } = this.options;
    const horizon = clock.now() - this.#windowMs;
    let closed = 0;
    let stoppedEarly = false;
    for (;;) {
      const round = await store.closeIdle(horizon, this.#batch);
      for (const correlation of round) observeClosedCorrelation(metrics, correlation);
      closed += round.length;
      if (round.length < this.#batch) break;
      if (deadlineMs !== undefined && clock.now() >= deadlineMs) {
        stoppedEarly = true;
        break;
      }
    }
    // Once the idle ones are gone, what is kept is active (a pass stopped early counts the rest as active too).
    const active = await store.countKept();
    metrics.gauge('ActiveCorrelations', active);
    return { closed, active, stoppedEarly };
  }
}
