/**
 * A correlation's timeline (`GET /correlations/{correlationId}`), read the same way in both homes:
 * its events, the executions tied to it, and the events that started those executions without
 * carrying the correlationId themselves.
 */
import type { EventStore } from '../ports/events.js';
import type { ExecutionStore } from '../ports/executions.js';
import { MAX_QUERY_LIMIT } from '../query.js';
import { buildTimeline, missingTriggerIds, type CorrelationTimeline } from '../timeline.js';
import type { EngineEvent } from '../envelope.js';

export interface TimelineDeps {
  events: Pick<EventStore, 'query' | 'get'>;
  executions: Pick<ExecutionStore, 'byCorrelation'>;
}

/**
 * The correlation's first `MAX_QUERY_LIMIT` events (one page) and all its executions, merged in
 * time order. Empty lists when nothing carries the id: the caller decides whether that is a 404.
 * @throws RetryableError when a store throttles or fails.
 * @example const { timeline } = await correlationTimeline('order-42', { events, executions })
 */
export async function correlationTimeline(correlationId: string, deps: TimelineDeps): Promise<CorrelationTimeline> {
  const [{ events }, executions] = await Promise.all([deps.events.query({ correlationId, limit: MAX_QUERY_LIMIT }), deps.executions.byCorrelation(correlationId)]);
  const triggers = await Promise.all(missingTriggerIds(events, executions).map((id) => deps.events.get(id)));
  return buildTimeline(correlationId, [...events, ...triggers.filter((event): event is EngineEvent => event !== undefined)], executions);
}
