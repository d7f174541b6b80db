/**
 * Correlation metrics, defined once for both homes: a correlation is active while it saw an event or a start within
 * the window; when it falls idle it is closed and observed once — events seen, distinct workflows started, and its
 * span from its first to its last activity. Embedded keeps them in a bounded in-memory table (`CorrelationActivity`);
 * AWS in the State table, closed by a scheduled pass (`correlation-metrics-pass.ts`). A correlation that comes back
 * after an idle window is counted again as new.
 */
import type { Clock } from '../clock.js';
import type { EngineEvent } from '../envelope.js';
import type { Trigger } from '../execution.js';
import { shortHash } from '../ids.js';
import type { ClosedCorrelation, CorrelationRecorder, CorrelationTouch } from '../ports/correlation-counters.js';
import type { EngineMetrics } from '../ports/observability.js';

/** Idle time after which a correlation is closed and observed: 5 minutes. */
export const CORRELATION_WINDOW_MS = 5 * 60_000;

/**
 * The correlations one routed event touched: its own (the event counted) and those of the executions its routing started
 * or found started (a set of workflows: a start found already made adds nothing new). Grouped, so each is one write.
 */
export function correlationTouches(event: Pick<EngineEvent, 'id' | 'correlationId'>, starts: ReadonlyArray<{ trigger: Trigger }>): CorrelationTouch[] {
  const own = event.correlationId;
  // Nearly every event: its starts (if any) carry its own correlation id. One touch, without the grouping's allocations.
  if (own !== undefined && starts.every(({ trigger }) => trigger.input.correlationId === own)) {
    const workflowIds =
      starts.length === 0
        ? []
        : starts.length === 1
          ? [(starts[0] as { trigger: Trigger }).trigger.workflowId]
          : [...new Set(starts.map(({ trigger }) => trigger.workflowId))];
    return [{ correlationId: own, events: 1, workflowIds, eventId: event.id }];
  }
  const touches = new Map<string, { events: number; workflowIds: Set<string> }>();
  const touch = (id: string) => {
    let found = touches.get(id);
    if (found === undefined) touches.set(id, (found = { events: 0, workflowIds: new Set() }));
    return found;
  };
  if (event.correlationId !== undefined) touch(event.correlationId).events = 1;
  for (const { trigger } of starts) touch(trigger.input.correlationId).workflowIds.add(trigger.workflowId);
  return [...touches].map(([correlationId, { events, workflowIds }]) => ({
    correlationId,
    events,
    workflowIds: [...workflowIds],
    ...(events === 1 ? { eventId: event.id } : {}),
  }));
}

/** Slots of recently counted events a correlation's counters keep (see `recentEventMark`). */
export const RECENT_EVENT_SLOTS = 32;

/**
 * Where a correlation's counters remember an event they counted, and the tag left there: both from a hash of the event
 * id, so that a store can skip a redelivered event in the same write that counts it (on DynamoDB, a condition on one
 * attribute), at a fixed size — 32 slots of 6 characters, about 300 bytes. An event is counted once unless another event
 * of the same correlation took its slot in between (1 in 32 for each one counted since); a different event skipped for a
 * matching tag in its slot is 1 in 16.7 million.
 * @example recentEventMark('01J9ZK…') // { slot: 17, tag: '3fa9c2' }
 */
export function recentEventMark(eventId: string): { slot: number; tag: string } {
  const hash = shortHash(eventId, 8);
  return { slot: Number.parseInt(hash.slice(0, 2), 16) % RECENT_EVENT_SLOTS, tag: hash.slice(2) };
}

/** Observes a closed correlation in the three distributions (both homes). */
export function observeClosedCorrelation(metrics: Pick<EngineMetrics, 'observe'>, closed: Omit<ClosedCorrelation, 'correlationId'>): void {
  metrics.observe('CorrelationEvents', closed.events);
  metrics.observe('CorrelationWorkflows', closed.workflows);
  metrics.observe('CorrelationSpan', Math.max(0, closed.lastMs - closed.firstMs) / 1000);
}

export interface CorrelationActivityOptions {
  metrics: Pick<EngineMetrics, 'observe' | 'gauge'>;
  clock: Clock;
  /** Idle time after which a correlation is closed and observed. Default `CORRELATION_WINDOW_MS`. */
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

/**
 * The embedded home's correlation metrics: a bounded in-memory table of the correlations seen lately (least recently
 * active closed first beyond its capacity). The cost is one map update per touch; nothing is stored. A touch's `eventId`
 * is not needed here: the change feed hands each stored event to the router once, and a sweep routes only events whose
 * routing failed before the count (the count is its last step), so no event is counted twice.
 * @example const activity = new CorrelationActivity({ metrics, clock }); activity.record([{ correlationId: 'order-1', events: 1, workflowIds: [] }])
 */
export class CorrelationActivity implements CorrelationRecorder {
  readonly #active = new Map<string, Activity>();
  readonly #windowMs: number;
  readonly #capacity: number;
  #expiredAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: CorrelationActivityOptions) {
    this.#windowMs = options.windowMs ?? CORRELATION_WINDOW_MS;
    this.#capacity = options.capacity ?? 10_000;
  }

  /** What the router tells of a routed event. */
  record(touches: readonly CorrelationTouch[]): void {
    for (const { correlationId, events, workflowIds } of touches) {
      const activity = this.#touch(correlationId);
      activity.events += events;
      for (const workflowId of workflowIds) activity.workflows.add(workflowId);
    }
  }

  /** Closes the correlations idle past the window and reports how many stay active (a scrape calls it too). */
  expire(): void {
    const now = this.options.clock.now();
    this.#expiredAt = now;
    const horizon = now - this.#windowMs;
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
    // At most once a second, or when full: walking the map's idle head on every event costs more than the event.
    if (now - this.#expiredAt >= 1000 || this.#active.size > this.#capacity) this.expire();
    return activity;
  }

  #close(id: string, activity: Activity): void {
    this.#active.delete(id);
    observeClosedCorrelation(this.options.metrics, { ...activity, workflows: activity.workflows.size });
  }
}
