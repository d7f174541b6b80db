import { describe, expect, it } from 'vitest';
import { correlationTimeline, MAX_QUERY_LIMIT, type EngineEvent, type EventQuery, type ExecutionRecord } from '../../lambdas/core/index.js';

const at = (minute: number) => new Date(Date.parse('2026-05-01T12:00:00.000Z') + minute * 60_000).toISOString();
const anEvent = (id: string, minute: number, correlationId?: string): EngineEvent => ({
  id,
  type: 'order.placed',
  source: 'shop',
  timestamp: at(minute),
  data: {},
  ...(correlationId === undefined ? {} : { correlationId }),
});
const anExecution = (name: string, eventId: string, minute: number): ExecutionRecord => ({
  name,
  workflowId: 'order_fulfilment',
  ruleId: 'fulfil',
  eventId,
  correlationId: 'o-1',
  status: 'RUNNING',
  startedAt: at(minute),
});

/** Stores that answer from lists and remember what they were asked. */
function stores(events: EngineEvent[], executions: ExecutionRecord[]) {
  const queries: EventQuery[] = [];
  const gets: string[] = [];
  return {
    queries,
    gets,
    deps: {
      events: {
        query: async (query: EventQuery) => {
          queries.push(query);
          return { events: events.filter((e) => e.correlationId === query.correlationId) };
        },
        get: async (id: string) => {
          gets.push(id);
          return events.find((e) => e.id === id);
        },
      },
      executions: { byCorrelation: async (correlationId: string) => executions.filter((e) => e.correlationId === correlationId) },
    },
  };
}

describe('correlationTimeline', () => {
  it("merges the correlation's events, its executions and the trigger events that carry no correlationId, in time order", async () => {
    const trigger = anEvent('trigger', 0);
    const later = anEvent('shipped', 5, 'o-1');
    const { deps, queries, gets } = stores([trigger, later, anEvent('other', 1, 'o-2')], [anExecution('fulfil-1', 'trigger', 0)]);

    const timeline = await correlationTimeline('o-1', deps);

    expect(queries).toEqual([{ correlationId: 'o-1', limit: MAX_QUERY_LIMIT }]);
    expect(gets).toEqual(['trigger']);
    expect(timeline.events.map((e) => e.id)).toEqual(['trigger', 'shipped']);
    expect(timeline.timeline.map((entry) => [entry.kind, entry.id])).toEqual([
      ['event', 'trigger'],
      ['execution', 'fulfil-1'],
      ['event', 'shipped'],
    ]);
  });

  it('answers empty lists for a correlation nothing carries, and leaves out a trigger event that is gone', async () => {
    const { deps } = stores([], [anExecution('fulfil-2', 'expired-event', 0)]);

    expect(await correlationTimeline('o-none', deps)).toEqual({ correlationId: 'o-none', events: [], executions: [], timeline: [] });
    expect((await correlationTimeline('o-1', deps)).events).toEqual([]);
  });
});
