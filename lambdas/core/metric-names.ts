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
  routing: ['EventsRouted', 'RulesMatched', 'ExecutionsStarted', 'WaitersCompleted', 'RoutingLag', 'EventsSwept', 'EventsParked', 'FastPathLeftToStream'],
  replay: ['ReplaysStarted', 'ReplaysCancelled', 'ReplayEventsEmitted', 'ReplayEventsFailed', 'ReplayExecutionsStarted'],
} as const;

/** Metrics with the `service` and `workflowId` dimensions. */
export const WORKFLOW_METRICS = ['WorkflowsStarted', 'WorkflowsThrottled', 'WorkflowsSucceeded', 'WorkflowsFailed'] as const;

export type ServiceMetric = (typeof SERVICE_METRICS)[keyof typeof SERVICE_METRICS][number];
export type WorkflowMetric = (typeof WORKFLOW_METRICS)[number];
