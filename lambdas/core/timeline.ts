/**
 * A correlation's story (`GET /correlations/{id}`): its events and the executions tied to it,
 * merged in time order. Both homes build it here so they tell it the same way.
 */
import type { EngineEvent } from './envelope.js';
import type { ExecutionRecord } from './execution.js';
import { LIFECYCLE_SOURCE } from './lifecycle.js';

export interface TimelineEntry {
  at: string;
  kind: 'event' | 'execution';
  id: string;
  [field: string]: unknown;
}

export interface CorrelationTimeline {
  correlationId: string;
  events: EngineEvent[];
  executions: ExecutionRecord[];
  timeline: TimelineEntry[];
}

const byTimeThenId = (a: EngineEvent, b: EngineEvent): number => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Merges a correlation's events (including events that started its executions without carrying the
 * correlationId themselves) with its executions. At the same instant an outside event comes first,
 * then the execution it started, then that execution's lifecycle events.
 */
export function buildTimeline(correlationId: string, events: readonly EngineEvent[], executions: readonly ExecutionRecord[]): CorrelationTimeline {
  const unique = [...new Map(events.map((event) => [event.id, event])).values()].sort(byTimeThenId);
  const rank = (entry: { kind: string; source?: unknown }) => (entry.kind === 'execution' ? 1 : entry.source === LIFECYCLE_SOURCE ? 2 : 0);
  const timeline: TimelineEntry[] = [
    ...unique.map((event) => ({ at: event.timestamp, kind: 'event' as const, id: event.id, type: event.type, source: event.source })),
    ...executions.map((e) => ({ at: e.startedAt, kind: 'execution' as const, id: e.name, workflowId: e.workflowId, status: e.status })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : rank(a) - rank(b)));
  return { correlationId, events: unique, executions: [...executions], timeline };
}

/** The ids of events that started these executions but are missing from `events`. */
export function missingTriggerIds(events: readonly EngineEvent[], executions: readonly ExecutionRecord[]): string[] {
  const known = new Set(events.map((e) => e.id));
  return [...new Set(executions.map((e) => e.eventId))].filter((id) => !known.has(id));
}
