/**
 * A correlation's timeline (`GET /correlations/{correlationId}`), read the same way in both homes:
 * its events, the executions tied to it, and the events that started those executions without
 * carrying the correlationId themselves.
 */
import type { EventStore } from '../ports/events.js';
import type { ExecutionStore } from '../ports/executions.js';
import { cursorParameter, limitParameter, MAX_QUERY_LIMIT, noteUnknownParameters, throwQueryProblems, type EventPosition, type QueryParameters } from '../query.js';
import { buildTimeline, missingTriggerIds, type CorrelationTimeline } from '../timeline.js';
import type { EngineEvent } from '../envelope.js';
import type { ErrorDetail } from '../errors.js';

export interface TimelineDeps {
  events: Pick<EventStore, 'query' | 'get'>;
  executions: Pick<ExecutionStore, 'byCorrelation'>;
}

/** One page of a correlation's timeline: `cursor` is there when more events follow. */
export interface CorrelationPage extends CorrelationTimeline {
  cursor?: string;
}

/** Which page: `limit` events (default and most `MAX_QUERY_LIMIT`) after `after`. */
export interface TimelinePage {
  limit?: number;
  after?: EventPosition;
}

/** `GET /correlations/{id}?limit&cursor` → the page wanted. @throws ValidationError naming each bad parameter. */
export function parseTimelinePage(params: QueryParameters): TimelinePage {
  const details: ErrorDetail[] = [];
  noteUnknownParameters(params, ['limit', 'cursor'], details);
  const limit = params.limit === undefined ? MAX_QUERY_LIMIT : limitParameter(params, details);
  const after = cursorParameter(params, details);
  throwQueryProblems(details);
  return after === undefined ? { limit } : { limit, after };
}

/**
 * One page of the correlation's events, in (timestamp, id) order, with the executions that started
 * within the page's span (the first page takes those before its first event, the last those after
 * its last), merged in time order: every event and every execution appears on exactly one page.
 * Empty lists when nothing carries the id: the caller decides whether that is a 404.
 * @throws RetryableError when a store throttles or fails.
 * @example const { timeline, cursor } = await correlationTimeline('order-42', { events, executions }, { limit: 100 })
 */
export async function correlationTimeline(correlationId: string, deps: TimelineDeps, page: TimelinePage = {}): Promise<CorrelationPage> {
  const query = { correlationId, limit: page.limit ?? MAX_QUERY_LIMIT, ...(page.after ? { after: page.after } : {}) };
  const [{ events, cursor }, all] = await Promise.all([deps.events.query(query), deps.executions.byCorrelation(correlationId)]);
  // A page spans from the cursor it continues after (the start, on the first page) to its last event (the end, on the last page).
  const from = page.after?.timestamp;
  const to = cursor === undefined ? undefined : events.at(-1)?.timestamp;
  const executions = all.filter((e) => (from === undefined || e.startedAt > from) && (to === undefined || e.startedAt <= to));
  const triggers = await Promise.all(missingTriggerIds(events, executions).map((id) => deps.events.get(id)));
  const timeline: CorrelationPage = buildTimeline(correlationId, [...events, ...triggers.filter((event): event is EngineEvent => event !== undefined)], executions);
  if (cursor !== undefined) timeline.cursor = cursor;
  return timeline;
}
