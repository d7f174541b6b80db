/**
 * What the application layer measures beyond counts: the start latency against `real_time_execution.max_latency`,
 * and the correlation metrics (active correlations; events, workflows and span of a correlation once it is idle).
 */
import { describe, expect, it } from 'vitest';
import {
  compileRules,
  CorrelationActivity,
  EventRouter,
  NO_METRICS,
  parseRules,
  type CorrelationTouch,
  type EngineEvent,
  type EngineMetrics,
} from '../../lambdas/core/index.js';

const RULES = compileRules(
  parseRules(
    [
      'rules:',
      '  - id: fulfil-order',
      '    eventType: order.placed',
      '    workflow: order_fulfilment',
      '  - id: audit',
      '    eventType: order.placed',
      '    workflow: audit',
      '',
    ].join('\n'),
    'rules.yaml',
  ),
);
const NOW = Date.now();

function recorder() {
  const counts: string[] = [];
  const observed: Array<[string, number]> = [];
  const gauges: number[] = [];
  const metrics: EngineMetrics = {
    ...NO_METRICS,
    count: (name) => void counts.push(name),
    observe: (name, value) => void observed.push([name, value]),
    gauge: (_name, value) => void gauges.push(value),
  };
  return { counts, observed, gauges, metrics };
}

const anOrder = (id: string, correlationId = 'o-1'): EngineEvent => ({
  id,
  type: 'order.placed',
  source: 'shop',
  timestamp: new Date(NOW).toISOString(),
  correlationId,
  data: {},
});
const aRouter = (metrics: EngineMetrics, now: number, startLatencyObjectiveMs?: number) =>
  new EventRouter({
    ruleSet: RULES,
    starter: { start: async () => ({ alreadyStarted: false }) },
    metrics,
    clock: { now: () => now },
    ...(startLatencyObjectiveMs === undefined ? {} : { startLatencyObjectiveMs }),
  });

describe('the start latency objective', () => {
  it('observes each start from receipt, and counts the starts later than the objective', async () => {
    const late = recorder();
    const onTime = recorder();
    const receivedAt = new Date(NOW - 250).toISOString();

    await aRouter(late.metrics, NOW, 100).route(anOrder('late'), { receivedAt });
    await aRouter(onTime.metrics, NOW, 300).route(anOrder('on-time'), { receivedAt });

    expect(late.observed.filter(([name]) => name === 'StartLatency')).toEqual([
      ['StartLatency', 0.25],
      ['StartLatency', 0.25],
    ]);
    expect(late.counts.filter((name) => name === 'StartLatencyObjectiveMissed')).toHaveLength(2);
    expect(onTime.counts).not.toContain('StartLatencyObjectiveMissed');
  });

  it('counts nothing against an objective the configuration does not set, nor without a receipt time', async () => {
    const none = recorder();
    const noReceipt = recorder();

    await aRouter(none.metrics, NOW).route(anOrder('a'), { receivedAt: new Date(NOW - 60_000).toISOString() });
    await aRouter(noReceipt.metrics, NOW, 1).route(anOrder('b'));

    expect([...none.counts, ...noReceipt.counts]).not.toContain('StartLatencyObjectiveMissed');
    expect(noReceipt.observed.map(([name]) => name)).not.toContain('StartLatency');
  });
});

describe('CorrelationActivity', () => {
  const tracked = (options: { windowMs?: number; capacity?: number } = {}) => {
    const clock = { ms: NOW };
    const seen = recorder();
    const recorded = new CorrelationActivity({ metrics: seen.metrics, clock: { now: () => clock.ms }, ...options });
    // As the router tells them: a routed event of the correlation, an execution started for it.
    const activity = {
      event: (correlationId: string) => recorded.record([{ correlationId, events: 1, workflowIds: [] }]),
      started: (correlationId: string, workflowId: string) => recorded.record([{ correlationId, events: 0, workflowIds: [workflowId] }]),
      expire: () => recorded.expire(),
    };
    return { clock, seen, activity };
  };

  it('keeps a correlation active while it has activity within the window, then observes its events, workflows and span once', () => {
    const { clock, seen, activity } = tracked({ windowMs: 60_000 });
    activity.event('o-1');
    activity.started('o-1', 'order_fulfilment');
    clock.ms += 30_000;
    activity.event('o-1');
    activity.started('o-1', 'audit');
    activity.started('o-1', 'audit');
    activity.event('o-2');
    activity.expire();

    expect(seen.gauges.at(-1)).toBe(2);
    expect(seen.observed).toEqual([]);

    clock.ms += 60_001;
    activity.expire();

    expect(seen.observed).toEqual([
      ['CorrelationEvents', 2],
      ['CorrelationWorkflows', 2],
      ['CorrelationSpan', 30],
      ['CorrelationEvents', 1],
      ['CorrelationWorkflows', 0],
      ['CorrelationSpan', 0],
    ]);
    expect(seen.gauges.at(-1)).toBe(0);
  });

  it('closes the least recently active correlation beyond its capacity', () => {
    const { clock, seen, activity } = tracked({ capacity: 2 });
    activity.event('first');
    clock.ms += 1;
    activity.event('second');
    activity.event('first');
    activity.event('third');

    expect(seen.gauges.at(-1)).toBe(2);
    expect(seen.observed.filter(([name]) => name === 'CorrelationEvents')).toEqual([['CorrelationEvents', 1]]);
  });
});

describe("the router's correlation touches", () => {
  const touchesOf = async (event: EngineEvent, starter = { start: async () => ({ alreadyStarted: false }) }, markRouted = async () => undefined) => {
    const told: CorrelationTouch[][] = [];
    const router = new EventRouter({
      ruleSet: RULES,
      starter,
      marks: { markRouted },
      correlations: { record: (touches) => void told.push([...touches]) },
      clock: { now: () => NOW },
    });
    await router.route(event).catch(() => undefined);
    return told;
  };

  it('tells once per routed event its correlation: the event, and the workflows started (or found started) for it', async () => {
    expect(await touchesOf(anOrder('e-1', 'o-9'))).toEqual([[{ correlationId: 'o-9', events: 1, workflowIds: ['audit', 'order_fulfilment'], eventId: 'e-1' }]]);
    expect(await touchesOf(anOrder('e-2', 'o-9'), { start: async () => ({ alreadyStarted: true }) })).toEqual([
      [{ correlationId: 'o-9', events: 1, workflowIds: ['audit', 'order_fulfilment'], eventId: 'e-2' }],
    ]);
  });

  it('tells an event that matches nothing as the event alone, and one without a correlation id under its starts’ correlation', async () => {
    expect(await touchesOf({ ...anOrder('e-3', 'o-10'), type: 'order.viewed' })).toEqual([[{ correlationId: 'o-10', events: 1, workflowIds: [], eventId: 'e-3' }]]);
    const { correlationId: _, ...uncorrelated } = anOrder('e-4');
    expect(await touchesOf(uncorrelated)).toEqual([[{ correlationId: 'e-4', events: 0, workflowIds: ['audit', 'order_fulfilment'] }]]);
  });

  it('tells nothing of an event whose routing failed (its retry will)', async () => {
    expect(
      await touchesOf(anOrder('e-5'), undefined, async () => {
        throw new Error('mark failed');
      }),
    ).toEqual([]);
  });

  it('keeps the embedded activity by the same touches: a start under another correlation opens it without an event', () => {
    const seen = recorder();
    const clock = { ms: NOW };
    const activity = new CorrelationActivity({ metrics: seen.metrics, clock: { now: () => clock.ms }, windowMs: 1000 });
    activity.record([
      { correlationId: 'a', events: 1, workflowIds: ['w'] },
      { correlationId: 'b', events: 0, workflowIds: ['w', 'v'] },
    ]);
    clock.ms += 2000;
    activity.expire();

    expect(seen.observed).toEqual([
      ['CorrelationEvents', 1],
      ['CorrelationWorkflows', 1],
      ['CorrelationSpan', 0],
      ['CorrelationEvents', 0],
      ['CorrelationWorkflows', 2],
      ['CorrelationSpan', 0],
    ]);
  });
});
