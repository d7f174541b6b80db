/**
 * The engine's metrics embedded: `EngineMetrics` on prom-client, served as `GET /metrics` in the Prometheus text
 * format. Names are prefixed `edwe_`; the table of names and labels is in docs/operations.md ("Metrics").
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineMetrics, GaugeMetric, HistogramMetric, LabelledMetric, MetricLabels, ServiceMetric, WorkflowMetric } from '../core/index.js';

/** Distinct `source`/`type` pairs labelled before the rest are counted under `_other` (both are client-chosen). */
const MAX_EVENT_LABEL_PAIRS = 1000;
const OTHER = '_other';

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DURATION_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 86_400];
const COUNT_BUCKETS = [1, 2, 3, 5, 10, 20, 50, 100, 500, 1000];

/** `EventsRouted` → `edwe_events_routed_total`: a service count without its own mapping. */
const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * @example const metrics = new PrometheusEngineMetrics(); router = new EventRouter({ metrics, … }); response.end(await metrics.render())
 */
export class PrometheusEngineMetrics implements EngineMetrics {
  readonly registry = new Registry();
  readonly #counters = new Map<string, Counter>();
  /** Service counts by their core name, so a count costs one look-up. */
  readonly #byName = new Map<string, Counter>();
  readonly #eventPairs = new Set<string>();
  readonly #received = this.#counter('edwe_events_received_total', 'Events stored, by source and type', ['source', 'type']);
  readonly #ruleMatches = this.#counter('edwe_rule_matches_total', 'Events a rule matched, by rule', ['rule']);
  readonly #started = this.#counter('edwe_executions_started_total', 'Executions started, by workflow', ['workflow']);
  readonly #finished = this.#counter('edwe_executions_finished_total', 'Executions ended, by workflow and status', ['workflow', 'status']);
  readonly #skipped = this.#counter('edwe_triggers_skipped_total', 'Triggers flow control skipped, by rule and reason', ['rule', 'reason']);
  readonly #throttled = this.#counter('edwe_executions_throttled_total', 'Starts refused by a concurrency limit, by workflow', ['workflow']);
  readonly #histograms: Record<HistogramMetric, Histogram>;
  readonly #active: Gauge;
  /** Called before each scrape (the engine expires idle correlations there). */
  beforeScrape: () => void = () => undefined;

  constructor() {
    const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
      new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
    this.#histograms = {
      RoutingLatency: histogram('edwe_routing_latency_seconds', 'From an event stored to routed', LATENCY_BUCKETS),
      StartLatency: histogram('edwe_start_latency_seconds', 'From an event stored to an execution it triggers started', LATENCY_BUCKETS),
      ExecutionDuration: histogram('edwe_execution_duration_seconds', 'From an execution started to ended, by workflow', DURATION_BUCKETS, ['workflow']),
      CorrelationEvents: histogram('edwe_correlation_events', 'Events of a correlation, observed when it falls idle', COUNT_BUCKETS),
      CorrelationWorkflows: histogram('edwe_correlation_workflows', 'Distinct workflows a correlation started, observed when it falls idle', COUNT_BUCKETS),
      CorrelationSpan: histogram('edwe_correlation_span_seconds', "From a correlation's first activity to its last, observed when it falls idle", DURATION_BUCKETS),
    };
    this.#active = new Gauge({ name: 'edwe_correlations_active', help: 'Correlations with an event or a start within the activity window', registers: [this.registry] });
    this.#counter('edwe_start_latency_objective_missed_total', 'Starts later after receipt than real_time_execution.max_latency');
    this.#counter('edwe_events_routed_total', 'Events routed');
  }

  count(name: ServiceMetric, value = 1): void {
    // Shown elsewhere: RoutingLag as edwe_routing_latency_seconds, ExecutionsStarted by workflow.
    if (name === 'RoutingLag' || name === 'ExecutionsStarted') return;
    let counter = this.#byName.get(name);
    if (counter === undefined) {
      const metric = `edwe_${snake(name)}_total`;
      counter = this.#counters.get(metric) ?? this.#counter(metric, `${name} (see lambdas/core/metric-names.ts)`);
      this.#byName.set(name, counter);
    }
    counter.inc(value);
  }

  countForWorkflow(name: WorkflowMetric, workflowId: string, value = 1): void {
    if (name === 'WorkflowsStarted') this.#started.inc({ workflow: workflowId }, value);
    else if (name === 'WorkflowsThrottled') this.#throttled.inc({ workflow: workflowId }, value);
    // WorkflowsSucceeded and WorkflowsFailed are edwe_executions_finished_total, counted by the lifecycle.
  }

  countLabelled(name: LabelledMetric, labels: MetricLabels, value = 1): void {
    if (name === 'EventsReceived') this.#received.inc(this.#eventLabels(labels), value);
    else if (name === 'RuleMatches') this.#ruleMatches.inc({ rule: labels.ruleId ?? '' }, value);
    else if (name === 'TriggersSkipped') this.#skipped.inc({ rule: labels.ruleId ?? '', reason: labels.reason ?? '' }, value);
    else this.#finished.inc({ workflow: labels.workflowId ?? '', status: labels.status ?? '' }, value);
  }

  observe(name: HistogramMetric, value: number, labels: MetricLabels = {}): void {
    const histogram = this.#histograms[name];
    if (name === 'ExecutionDuration') histogram.observe({ workflow: labels.workflowId ?? '' }, value);
    else histogram.observe(value);
  }

  gauge(name: GaugeMetric, value: number): void {
    if (name === 'ActiveCorrelations') this.#active.set(value);
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    this.beforeScrape();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #counter(name: string, help: string, labelNames: string[] = []): Counter {
    const counter = new Counter({ name, help, labelNames, registers: [this.registry] });
    this.#counters.set(name, counter);
    return counter;
  }

  #eventLabels({ source = '', type = '' }: MetricLabels): { source: string; type: string } {
    const pair = `${source}\u0000${type}`;
    if (this.#eventPairs.has(pair)) return { source, type };
    if (this.#eventPairs.size >= MAX_EVENT_LABEL_PAIRS) return { source: OTHER, type: OTHER };
    this.#eventPairs.add(pair);
    return { source, type };
  }
}
