/**
 * The engine's own metrics: every name either home emits, in one place, so that the dashboard
 * (lib/observability.ts), the EMF adapter and the Prometheus adapter cannot drift apart.
 *
 * Dimensions are bounded on purpose: `service` (the function, i.e. the ingest channel: HTTP,
 * EventBridge, Kinesis, Kafka) on every metric, plus `workflowId` (the deployed workflows) on the
 * per-workflow ones. The event `source` is client-chosen and unbounded, so it is never a dimension.
 */

/** Metrics with the `service` dimension only. */
export const SERVICE_METRICS = {
  ingestion: ['EventsIngested', 'EventsDuplicate', 'EventsRejected', 'EventsForbidden', 'RecordsFailed', 'RequestsRefused', 'RequestsFailed'],
  routing: [
    'EventsRouted',
    'RulesMatched',
    'ExecutionsStarted',
    'WaitersCompleted',
    'RoutingLag',
    'EventsSwept',
    'EventsParked',
    'StartLatencyObjectiveMissed',
    'FastPathLeftToStream',
  ],
  replay: ['ReplaysStarted', 'ReplaysCancelled', 'ReplayEventsEmitted', 'ReplayEventsFailed', 'ReplayExecutionsStarted'],
  /** The correlation metrics pass (AWS): drawn with the correlation metrics, and alarmed when passes keep failing. */
  correlations: ['CorrelationPassesFailed'],
} as const;

/** Metrics with the `service` and `workflowId` dimensions. */
export const WORKFLOW_METRICS = ['WorkflowsStarted', 'WorkflowsThrottled', 'WorkflowsSucceeded', 'WorkflowsFailed'] as const;

export type ServiceMetric = (typeof SERVICE_METRICS)[keyof typeof SERVICE_METRICS][number];
export type WorkflowMetric = (typeof WORKFLOW_METRICS)[number];

/**
 * Counts under labels. Prometheus keeps every label; EMF keeps only the bounded ones as dimensions (`ruleId`,
 * `workflowId`, `status`), never the client-chosen `source` and `type`: on AWS `EventsReceived` is `EventsIngested`.
 */
export const LABELLED_METRICS = ['EventsReceived', 'RuleMatches', 'ExecutionsFinished', 'TriggersSkipped'] as const;

/**
 * Distributions: a Prometheus histogram embedded, EMF values on AWS (CloudWatch derives the percentiles).
 * Latencies and spans in seconds, the per-correlation ones in counts.
 */
export const HISTOGRAM_METRICS = ['RoutingLatency', 'StartLatency', 'ExecutionDuration', 'CorrelationEvents', 'CorrelationWorkflows', 'CorrelationSpan'] as const;

/** Levels: the value now. */
export const GAUGE_METRICS = ['ActiveCorrelations'] as const;

export type LabelledMetric = (typeof LABELLED_METRICS)[number];
export type HistogramMetric = (typeof HISTOGRAM_METRICS)[number];
export type GaugeMetric = (typeof GAUGE_METRICS)[number];
/** The labels a labelled metric or a histogram takes. */
export interface MetricLabels {
  source?: string;
  type?: string;
  ruleId?: string;
  workflowId?: string;
  status?: string;
  /** Why flow control skipped a trigger (`TriggersSkipped`): rate_limited, debounced, cancelled. */
  reason?: string;
}
