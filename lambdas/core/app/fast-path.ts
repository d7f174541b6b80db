/**
 * The fast path to a started workflow: an ingest that has just stored events starts their planned
 * executions itself, instead of waiting for the store's change stream to reach the router. It never
 * fails the ingest — the events are stored, and the stream's router, which still sees every one,
 * names the same executions, finds them started and repairs whatever the fast path left undone.
 */
import type { EngineEvent } from '../envelope.js';
import { NO_METRICS, type EngineMetrics, type Logger } from '../ports/observability.js';
import { mapBounded } from './concurrency.js';
import type { EventRouter } from './route-event.js';

/** What the fast path needs. */
export interface FastPathDeps {
  /** The same router the stream uses (same rules, same execution names), with a starter that does not wait out throttling. */
  router: Pick<EventRouter, 'startPlanned'>;
  logger?: Pick<Logger, 'warn'>;
  metrics?: EngineMetrics;
  /** Events started at once for a batch. Default 10. */
  concurrency?: number;
  /** How the starts are logged (`via`). Default `ingest`. */
  via?: string;
}

/** What one run did: events whose starts were all made, and events left to the stream. */
export interface FastPathOutcome {
  started: number;
  leftToStream: number;
}

/**
 * @example const outcome = await new FastPath({ router }).run(storedEvents)
 */
export class FastPath {
  private readonly metrics: EngineMetrics;

  constructor(private readonly deps: FastPathDeps) {
    this.metrics = deps.metrics ?? NO_METRICS;
  }

  /** Starts the planned executions of `events` (newly stored ones: a duplicate's were started by its first ingest). Never throws. */
  async run(events: readonly EngineEvent[]): Promise<FastPathOutcome> {
    const via = this.deps.via ?? 'ingest';
    const done = await mapBounded(events, Math.max(1, this.deps.concurrency ?? 10), async (event) => {
      try {
        await this.deps.router.startPlanned(event, { via });
        return true;
      } catch (error) {
        // The stream's router starts what is missing; a throttled or failed start here only costs latency.
        this.deps.logger?.warn('fast path left the event to the stream', { eventId: event.id, correlationId: event.correlationId, error: error as Error });
        return false;
      }
    });
    const started = done.filter(Boolean).length;
    const leftToStream = done.length - started;
    if (leftToStream > 0) this.metrics.count('FastPathLeftToStream', leftToStream);
    return { started, leftToStream };
  }
}
