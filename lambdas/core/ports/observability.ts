/** Logs and metrics, as the application layer reports what it does. */
import type { GaugeMetric, HistogramMetric, LabelledMetric, MetricLabels, ServiceMetric, WorkflowMetric } from '../metric-names.js';

/** Structured logs: a message and its fields (Powertools Logger in both homes). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The engine's metrics (EMF on AWS, Prometheus embedded), by the names in `metric-names.ts`. */
export interface EngineMetrics {
  /** Adds a count (for `RoutingLag`, milliseconds). */
  count(name: ServiceMetric, value?: number): void;
  /** Adds a count under the workflow's dimension. */
  countForWorkflow(name: WorkflowMetric, workflowId: string, value?: number): void;
  /** Adds a count under labels (see `LABELLED_METRICS` for which labels each home keeps). */
  countLabelled(name: LabelledMetric, labels: MetricLabels, value?: number): void;
  /** Records one value of a distribution: seconds for latencies and spans, a count otherwise. */
  observe(name: HistogramMetric, value: number, labels?: MetricLabels): void;
  /** Sets a level. */
  gauge(name: GaugeMetric, value: number): void;
}

/** Metrics that go nowhere: the default where a caller measures nothing. */
export const NO_METRICS: EngineMetrics = {
  count: () => undefined,
  countForWorkflow: () => undefined,
  countLabelled: () => undefined,
  observe: () => undefined,
  gauge: () => undefined,
};

/** Logs that go nowhere. */
export const NO_LOGS: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
