/**
 * The engine's metrics on AWS: Powertools Metrics, written as CloudWatch EMF (namespace `edwe`), with
 * the `service` dimension on every metric and `workflowId` on the per-workflow ones.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { EngineMetrics, GaugeMetric, HistogramMetric, LabelledMetric, MetricLabels, ServiceMetric, WorkflowMetric } from '../core/index.js';

/** What the adapter needs of Powertools Metrics; tests pass a stand-in. */
export type PowertoolsMetricsSink = Pick<Metrics, 'addMetric' | 'singleMetric'>;

/**
 * `EngineMetrics` on Powertools Metrics.
 * @example const metrics = new PowertoolsEngineMetrics(new Metrics()); metrics.count('EventsRouted')
 */
export class PowertoolsEngineMetrics implements EngineMetrics {
  constructor(private readonly metrics: PowertoolsMetricsSink) {}

  /** Adds a count (or, for `RoutingLag`, milliseconds) to the invocation's buffered metrics; a zero count is left out. */
  count(name: ServiceMetric, value = 1): void {
    emitCount(this.metrics, name, value);
  }

  /**
   * Counts a per-workflow metric: its own EMF line (Powertools `singleMetric`), since one EMF blob
   * carries one dimension set and the buffered metrics have `service` only.
   */
  countForWorkflow(name: WorkflowMetric, workflowId: string, value = 1): void {
    emitCountForWorkflow(this.metrics, name, workflowId, value);
  }

  /**
   * A labelled count under its bounded labels only: `EventsReceived` is `EventsIngested` (the source and type are
   * client-chosen), `RuleMatches` goes under `ruleId`, `ExecutionsFinished` under `workflowId` and `status`.
   */
  countLabelled(name: LabelledMetric, labels: MetricLabels, value = 1): void {
    if (name === 'EventsReceived') {
      emitCount(this.metrics, 'EventsIngested', value);
      return;
    }
    const single = this.metrics.singleMetric();
    for (const key of ['ruleId', 'workflowId', 'status'] as const) {
      const label = labels[key];
      if (label !== undefined) single.addDimension(key, label);
    }
    single.addMetric(name, MetricUnit.Count, value);
  }

  /** One value of a distribution: CloudWatch keeps every value of an EMF metric and derives the percentiles. */
  observe(name: HistogramMetric, value: number, labels: MetricLabels = {}): void {
    const unit = name === 'CorrelationEvents' || name === 'CorrelationWorkflows' ? MetricUnit.Count : MetricUnit.Seconds;
    if (labels.workflowId === undefined) this.metrics.addMetric(name, unit, value);
    else this.metrics.singleMetric().addDimension('workflowId', labels.workflowId).addMetric(name, unit, value);
  }

  /** A level, as its latest value. */
  gauge(name: GaugeMetric, value: number): void {
    this.metrics.addMetric(name, MetricUnit.Count, value);
  }
}

/** `count` on a Powertools Metrics (nothing without one). */
export function emitCount(metrics: Pick<Metrics, 'addMetric'> | undefined, name: ServiceMetric, value = 1): void {
  if (value === 0 && name !== 'RoutingLag') return;
  metrics?.addMetric(name, name === 'RoutingLag' ? MetricUnit.Milliseconds : MetricUnit.Count, value);
}

/** `countForWorkflow` on a Powertools Metrics (nothing without one). */
export function emitCountForWorkflow(metrics: Pick<Metrics, 'singleMetric'> | undefined, name: WorkflowMetric, workflowId: string, value = 1): void {
  if (metrics === undefined) return;
  metrics.singleMetric().addDimension('workflowId', workflowId).addMetric(name, MetricUnit.Count, value);
}
