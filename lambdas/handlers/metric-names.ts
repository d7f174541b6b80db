/**
 * The engine's own CloudWatch metrics (Powertools EMF, namespace `edwe`): every name a handler
 * emits, in one place, so the dashboard (lib/observability.ts `ENGINE_METRICS`) and the handlers
 * cannot drift apart — test/infra/observability.test.ts holds them equal.
 *
 * Dimensions are bounded on purpose: `service` (the function, i.e. the ingest channel: HTTP,
 * EventBridge, Kinesis, Kafka) on every metric, plus `workflowId` (the deployed workflows) on the
 * per-workflow ones. The event `source` is client-chosen and unbounded, so it is never a dimension:
 * it is a field of every `event stored` / `event refused` log line (see docs/operations.md).
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

import { type ServiceMetric, type WorkflowMetric } from '../core/index.js';

export { SERVICE_METRICS, WORKFLOW_METRICS, type ServiceMetric, type WorkflowMetric } from '../core/index.js';

/** What a handler needs of Powertools Metrics; tests pass a fake or nothing. */
export type EngineMetrics = Pick<Metrics, 'addMetric' | 'singleMetric'>;

/** Adds a count (or, for `RoutingLag`, milliseconds) to the invocation's buffered metrics. */
export function count(metrics: Pick<Metrics, 'addMetric'> | undefined, name: ServiceMetric, value = 1): void {
  if (value === 0 && name !== 'RoutingLag') return;
  metrics?.addMetric(name, name === 'RoutingLag' ? MetricUnit.Milliseconds : MetricUnit.Count, value);
}

/**
 * Counts a per-workflow metric: its own EMF line (Powertools `singleMetric`), since one EMF blob
 * carries one dimension set and the buffered metrics have `service` only.
 */
export function countForWorkflow(metrics: Pick<Metrics, 'singleMetric'> | undefined, name: WorkflowMetric, workflowId: string, value = 1): void {
  if (metrics === undefined) return;
  metrics.singleMetric().addDimension('workflowId', workflowId).addMetric(name, MetricUnit.Count, value);
}
