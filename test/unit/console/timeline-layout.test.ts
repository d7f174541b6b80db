import { describe, expect, it } from 'vitest';
import { layoutTimeline, LIFECYCLE_SOURCE, type TimelineEventInput, type TimelineExecutionInput } from '../../../console/src/timeline-layout.js';

const t0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(t0 + ms).toISOString();
const event = (id: string, ms: number, type = 'order.placed', extra: Partial<TimelineEventInput> = {}): TimelineEventInput => ({
  id,
  type,
  source: 'shop',
  timestamp: at(ms),
  ...extra,
});
const execution = (name: string, eventId: string, startMs: number, stopMs?: number, extra: Partial<TimelineExecutionInput> = {}): TimelineExecutionInput => ({
  name,
  workflowId: 'order_fulfilment',
  eventId,
  status: stopMs === undefined ? 'RUNNING' : 'SUCCEEDED',
  startedAt: at(startMs),
  ...(stopMs === undefined ? {} : { stoppedAt: at(stopMs) }),
  ...extra,
});
const options = { width: 1000, now: t0 + 60_000, labelWidth: 200 };

describe('layoutTimeline', () => {
  it('places the earliest moment at the left edge of the plot and the latest at its right edge', () => {
    const layout = layoutTimeline([event('e1', 0), event('e2', 4000, 'payment.received')], [], options);
    const [first, second] = layout.rows;
    expect(first?.x).toBe(layout.left);
    expect(second?.x).toBe(layout.right);
    expect(layout.left).toBe(200);
  });

  it('orders rows by time, an outside event before the execution it started and that before its lifecycle events', () => {
    const started = event('life', 100, 'workflow.started', { source: LIFECYCLE_SOURCE, data: { executionName: 'x1' } });
    const layout = layoutTimeline([started, event('e1', 100), event('e2', 50, 'earlier')], [execution('x1', 'e1', 100, 900)], options);
    expect(layout.rows.map((row) => row.id)).toEqual(['e2', 'e1', 'x1', 'life']);
    const ys = layout.rows.map((row) => row.y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    expect(layout.rows.find((row) => row.id === 'life')?.lifecycle).toBe(true);
  });

  it('draws an execution as a bar from its start to its end, and a running one up to now', () => {
    const layout = layoutTimeline([event('e1', 0)], [execution('done', 'e1', 1000, 3000), execution('running', 'e1', 2000)], options);
    const done = layout.rows.find((row) => row.id === 'done')!;
    const running = layout.rows.find((row) => row.id === 'running');
    expect(done.x2! - done.x).toBeCloseTo((2000 / 60_000) * (layout.right - layout.left));
    expect(running?.x2).toBe(layout.right);
    expect(layout.end).toBe(options.now);
  });

  it('links an event to the execution it started, and an execution to its lifecycle events', () => {
    const ended = event('life', 900, 'workflow.succeeded', { source: LIFECYCLE_SOURCE, data: { executionName: 'x1' } });
    const layout = layoutTimeline([event('e1', 0), ended], [execution('x1', 'e1', 10, 900)], options);
    expect(layout.links.map((l) => `${l.from}→${l.to}`)).toEqual(['e1→x1', 'x1→life']);
  });

  it('does not link an outside event that merely carries a field named executionName', () => {
    const spoof = event('spoof', 900, 'note', { data: { executionName: 'x1' } });
    const layout = layoutTimeline([event('e1', 0), spoof], [execution('x1', 'e1', 10, 900)], options);
    expect(layout.links.map((l) => l.to)).toEqual(['x1']);
  });

  it("draws an execution's recorded states as segments inside its bar", () => {
    const states = [
      { name: 'ReserveStock', enteredAt: at(0), exitedAt: at(100), status: 'SUCCEEDED' },
      { name: 'WaitForPayment', enteredAt: at(100), exitedAt: at(3000), status: 'SUCCEEDED' },
    ];
    const layout = layoutTimeline([], [execution('x1', 'e1', 0, 3000, { states })], options);
    const segments = layout.rows[0]?.segments ?? [];
    expect(segments.map((s) => s.name)).toEqual(['ReserveStock', 'WaitForPayment']);
    expect(segments[1]!.x2 - segments[1]!.x).toBeGreaterThan(segments[0]!.x2 - segments[0]!.x);
  });

  it('puts ticks on round steps inside the span, about six of them', () => {
    const layout = layoutTimeline([event('e1', 0), event('e2', 3000)], [], options);
    expect(layout.ticks.map((tick) => tick.at - t0)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000]);
    for (const tick of layout.ticks) expect(tick.x).toBeGreaterThanOrEqual(layout.left);
  });

  it('lays out one event (no span) without dividing by zero', () => {
    const layout = layoutTimeline([event('e1', 0)], [], options);
    expect(Number.isFinite(layout.rows[0]?.x)).toBe(true);
    expect(layout.height).toBeGreaterThan(0);
  });
});
