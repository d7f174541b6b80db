/**
 * Lays out a correlation's story (`GET /correlations/{id}`) on a time axis: one row per event or
 * execution in time order, executions as bars from start to end (with the states they passed through
 * when the engine recorded them), and links from an event to the executions it started and from an
 * execution to its lifecycle events. Pure: the view draws what this computes.
 */

export interface TimelineEventInput {
  id: string;
  type: string;
  source: string;
  timestamp: string;
  data?: unknown;
}

export interface StateStepInput {
  name: string;
  enteredAt: string;
  exitedAt?: string;
  status?: string;
}

export interface TimelineExecutionInput {
  name: string;
  workflowId: string;
  eventId: string;
  status: string;
  startedAt: string;
  stoppedAt?: string;
  states?: StateStepInput[];
}

export interface TimelineRow {
  kind: 'event' | 'execution';
  id: string;
  label: string;
  detail: string;
  y: number;
  x: number;
  /** Where an execution's bar ends (its end, or now while it runs). */
  x2?: number;
  status?: string;
  lifecycle?: boolean;
  segments?: Array<{ name: string; x: number; x2: number; status?: string }>;
}

export interface TimelineLayout {
  width: number;
  height: number;
  /** The plot's left and right edges; labels sit left of `left`. */
  left: number;
  right: number;
  start: number;
  end: number;
  rows: TimelineRow[];
  links: Array<{ from: string; to: string; x1: number; y1: number; x2: number; y2: number }>;
  ticks: Array<{ x: number; at: number }>;
}

export interface LayoutOptions {
  width: number;
  /** The time an unfinished execution's bar runs to. */
  now: number;
  rowHeight?: number;
  labelWidth?: number;
  top?: number;
}

/** The sources of the engine's own lifecycle events (`workflow.started|succeeded|failed`). */
export const LIFECYCLE_SOURCE = 'edwe.workflows';

const TICK_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 86_400_000,
];

export function layoutTimeline(events: readonly TimelineEventInput[], executions: readonly TimelineExecutionInput[], options: LayoutOptions): TimelineLayout {
  const rowHeight = options.rowHeight ?? 28;
  const left = options.labelWidth ?? 240;
  const top = options.top ?? 28;
  const right = Math.max(left + 100, options.width - 24);
  const time = (iso: string) => Date.parse(iso);
  const endOf = (e: TimelineExecutionInput) => (e.stoppedAt ? time(e.stoppedAt) : Math.max(time(e.startedAt), options.now));

  const moments = [...events.map((e) => time(e.timestamp)), ...executions.flatMap((e) => [time(e.startedAt), endOf(e)])].filter(Number.isFinite);
  const start = moments.length > 0 ? Math.min(...moments) : options.now;
  let end = moments.length > 0 ? Math.max(...moments) : options.now;
  if (end - start < 10) end = start + 10;
  const x = (at: number) => left + ((at - start) / (end - start)) * (right - left);

  // An outside event, then the execution it started, then that execution's lifecycle events, at the same instant.
  const rank = (item: { kind: string; lifecycle?: boolean }) => (item.kind === 'execution' ? 1 : item.lifecycle ? 2 : 0);
  const items = [
    ...events.map((e) => ({ kind: 'event' as const, at: time(e.timestamp), event: e, lifecycle: e.source === LIFECYCLE_SOURCE })),
    ...executions.map((e) => ({ kind: 'execution' as const, at: time(e.startedAt), execution: e })),
  ].sort((a, b) => a.at - b.at || rank(a) - rank(b));

  const rows: TimelineRow[] = items.map((item, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    if (item.kind === 'event') {
      const { event } = item;
      return { kind: 'event', id: event.id, label: event.type, detail: event.source, y, x: x(item.at), lifecycle: item.lifecycle };
    }
    const { execution } = item;
    const segments = (execution.states ?? []).map((step) => ({
      name: step.name,
      x: x(time(step.enteredAt)),
      x2: x(step.exitedAt ? time(step.exitedAt) : endOf(execution)),
      ...(step.status ? { status: step.status } : {}),
    }));
    return {
      kind: 'execution',
      id: execution.name,
      label: execution.workflowId,
      detail: execution.name,
      y,
      x: x(item.at),
      x2: x(endOf(execution)),
      status: execution.status,
      ...(segments.length > 0 ? { segments } : {}),
    };
  });

  const rowOf = new Map(rows.map((row) => [`${row.kind}:${row.id}`, row]));
  const links: TimelineLayout['links'] = [];
  for (const execution of executions) {
    const bar = rowOf.get(`execution:${execution.name}`);
    const trigger = rowOf.get(`event:${execution.eventId}`);
    if (bar && trigger) links.push({ from: trigger.id, to: bar.id, x1: trigger.x, y1: trigger.y, x2: bar.x, y2: bar.y });
  }
  for (const event of events) {
    const name = (event.data as { executionName?: unknown } | undefined)?.executionName;
    const bar = typeof name === 'string' ? rowOf.get(`execution:${name}`) : undefined;
    const dot = rowOf.get(`event:${event.id}`);
    if (bar && dot && event.source === LIFECYCLE_SOURCE) links.push({ from: bar.id, to: dot.id, x1: dot.x, y1: bar.y, x2: dot.x, y2: dot.y });
  }

  const step = TICK_STEPS.find((s) => (end - start) / s <= 6) ?? 86_400_000;
  const ticks: TimelineLayout['ticks'] = [];
  for (let at = Math.ceil(start / step) * step; at <= end; at += step) ticks.push({ x: x(at), at });

  return { width: options.width, height: top + rows.length * rowHeight + 8, left, right, start, end, rows, links, ticks };
}
