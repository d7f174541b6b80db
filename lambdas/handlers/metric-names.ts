/**
 * The engine's own CloudWatch metrics (Powertools EMF, namespace `edwe`): every name a handler
 * emits, in one place, so the dashboard (lib/observability.ts `ENGINE_METRICS`) and the handlers
 * cannot drift apart — test/infra/observability.test.ts holds them equal.
 *
 * Dimensions are bounded on purpose: `service` (the function, i.e. the ingest channel: HTTP,
 * EventBridge, Kinesis, Kafka) on every metric, plus `workflowId` (the deployed workflows) on the
 * per-workflow ones. The event `source` is client-chosen and unbounded, so it is never a dimension:
 * it is a field of every `event stored` / `event refused` log line (see docs/operations.md).
 *
 * The writing itself is the `EngineMetrics` adapter's (lambdas/aws/powertools-engine-metrics.ts);
 * `count` and `countForWorkflow` remain for the handlers that take Powertools Metrics directly.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';

export { SERVICE_METRICS, WORKFLOW_METRICS, type ServiceMetric, type WorkflowMetric } from '../core/index.js';
export { emitCount as count, emitCountForWorkflow as countForWorkflow } from '../aws/powertools-engine-metrics.js';

/** What a handler needs of Powertools Metrics; tests pass a fake or nothing. */
export type EngineMetrics = Pick<Metrics, 'addMetric' | 'singleMetric'>;
