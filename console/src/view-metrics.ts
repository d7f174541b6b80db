/** Metrics charts: `/metrics` polled every few seconds, rates and latencies drawn as sparklines. */
import { apiText } from './api.js';
import { h, problem, s, show } from './dom.js';
import type { View } from './main.js';
import { byLabel, parsePrometheus, quantile, rate, sparklinePath, total, type Sample } from './metrics.js';

const POLL_MS = 3000;
const POINTS = 60;

interface Chart {
  title: string;
  unit: string;
  /** The plotted value from the previous and current scrape, `seconds` apart. */
  read: (current: Sample[], previous: Sample[] | undefined, seconds: number) => number | undefined;
}

const counterRate =
  (name: string, where: Record<string, string> = {}): Chart['read'] =>
  (current, previous, seconds) =>
    previous === undefined ? undefined : rate(total(previous, name, where), total(current, name, where), seconds);
const p95 =
  (name: string): Chart['read'] =>
  (current) => {
    const q = quantile(current, name, 0.95);
    return q === undefined ? undefined : q * 1000;
  };

const CHARTS: Chart[] = [
  { title: 'Events received', unit: '/s', read: counterRate('edwe_events_received_total') },
  { title: 'Events routed', unit: '/s', read: counterRate('edwe_events_routed_total') },
  { title: 'Executions started', unit: '/s', read: counterRate('edwe_executions_started_total') },
  { title: 'Executions failed', unit: '/s', read: counterRate('edwe_executions_finished_total', { status: 'FAILED' }) },
  { title: 'Routing latency p95', unit: 'ms', read: p95('edwe_routing_latency_seconds') },
  { title: 'Start latency p95', unit: 'ms', read: p95('edwe_start_latency_seconds') },
  { title: 'Active correlations', unit: '', read: (current) => total(current, 'edwe_correlations_active') },
];

export const renderMetrics: View = (root) => {
  const grid = h('div', { class: 'cards' });
  const footer = h('div', {});
  show(root, h('h1', {}, 'Metrics'), h('p', { class: 'muted' }, `GET /metrics every ${POLL_MS / 1000} s`), grid, footer);
  const series = CHARTS.map(() => [] as number[]);
  let previous: { samples: Sample[]; at: number } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const poll = async () => {
    try {
      const samples = parsePrometheus(await apiText('/metrics'));
      const at = Date.now();
      CHARTS.forEach((chart, i) => {
        const value = chart.read(samples, previous?.samples, previous ? (at - previous.at) / 1000 : 0);
        if (value !== undefined && Number.isFinite(value)) series[i]?.push(value);
        if ((series[i]?.length ?? 0) > POINTS) series[i]?.shift();
      });
      previous = { samples, at };
      show(grid, ...CHARTS.map((chart, i) => card(chart, series[i] ?? [])));
      show(footer, byWorkflow(samples));
    } catch (error) {
      show(footer, problem(error));
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
};

function card(chart: Chart, values: number[]): HTMLElement {
  const last = values.at(-1);
  const text = last === undefined ? '–' : `${last >= 100 ? Math.round(last) : last.toFixed(last >= 10 ? 1 : 2)}${chart.unit ? ` ${chart.unit}` : ''}`;
  return h(
    'figure',
    { class: 'card' },
    h('figcaption', {}, chart.title),
    h('div', { class: 'value' }, text),
    s('svg', { class: 'spark', width: 220, height: 40, viewBox: '0 0 220 40' }, s('path', { d: sparklinePath(values, 220, 38) })),
  );
}

function byWorkflow(samples: Sample[]): HTMLElement {
  const started = byLabel(samples, 'edwe_executions_started_total', 'workflow');
  if (started.size === 0) return h('p', { class: 'muted' }, 'No executions yet.');
  const failed = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name === 'edwe_executions_finished_total' && sample.labels.status !== 'SUCCEEDED') {
      const key = sample.labels.workflow ?? '';
      failed.set(key, (failed.get(key) ?? 0) + sample.value);
    }
  }
  return h(
    'table',
    { class: 'grid' },
    h('thead', {}, h('tr', {}, h('th', {}, 'workflow'), h('th', {}, 'started'), h('th', {}, 'not succeeded'))),
    h(
      'tbody',
      {},
      ...[...started].map(([workflow, n]) => h('tr', {}, h('td', {}, workflow), h('td', { class: 'num' }, n), h('td', { class: 'num' }, failed.get(workflow) ?? 0))),
    ),
  );
}
