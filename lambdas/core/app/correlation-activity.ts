/**
 * Correlation metrics, kept cheap: a bounded in-memory table of the correlations seen lately. A correlation is
 * active while it saw an event or a start within the window; when it falls idle (or is pushed out by the
 * capacity) it is closed and observed once: events seen, distinct workflows started, and its span from its
 * first to its last activity (event or start). The process's own view: a correlation that outlives the window is counted again as new.
 */
import type { Clock } from '../clock.js';
import type { EngineMetrics } from '../ports/observability.js';

export interface CorrelationActivityOptions {
  metrics: Pick<EngineMetrics, 'observe' | 'gauge'>;
  clock: Clock;
  /** Idle time after which a correlation is closed and observed. Default 5 minutes. */
  windowMs?: number;
  /** Correlations tracked at once; the least recently active is closed beyond it. Default 10,000. */
  capacity?: number;
}

interface Activity {
  firstMs: number;
  lastMs: number;
  events: number;
  workflows: Set<string>;
}

/** @example const activity = new CorrelationActivity({ metrics, clock }); activity.event('order-1') */
export class CorrelationActivity {
  readonly #active = new Map<string, Activity>();
  readonly #windowMs: number;
  readonly #capacity: number;

  constructor(private readonly options: CorrelationActivityOptions) {
    this.#windowMs = options.windowMs ?? 5 * 60_000;
    this.#capacity = options.capacity ?? 10_000;
  }

  /** An event of the correlation was routed. */
  event(correlationId: string): void {
    this.#touch(correlationId).events++;
  }

  /** An execution of the correlation was started. */
  started(correlationId: string, workflowId: string): void {
    this.#touch(correlationId).workflows.add(workflowId);
  }

  /** Closes the correlations idle past the window and reports how many stay active (a scrape calls it too). */
  expire(): void {
    const horizon = this.options.clock.now() - this.#windowMs;
    // The map is in order of last activity (each touch re-inserts), so the idle ones are first.
    for (const [id, activity] of this.#active) {
      if (activity.lastMs > horizon && this.#active.size <= this.#capacity) break;
      this.#close(id, activity);
    }
    this.options.metrics.gauge('ActiveCorrelations', this.#active.size);
  }

  #touch(correlationId: string): Activity {
    const now = this.options.clock.now();
    let activity = this.#active.get(correlationId);
    if (activity === undefined) activity = { firstMs: now, lastMs: now, events: 0, workflows: new Set() };
    else {
      this.#active.delete(correlationId);
      activity.lastMs = now;
    }
    this.#active.set(correlationId, activity);
    this.expire();
    return activity;
  }

  #close(id: string, activity: Activity): void {
    this.#active.delete(id);
    const { metrics } = this.options;
    metrics.observe('CorrelationEvents', activity.events);
    metrics.observe('CorrelationWorkflows', activity.workflows.size);
    metrics.observe('CorrelationSpan', (activity.lastMs - activity.firstMs) / 1000);
  }
}
