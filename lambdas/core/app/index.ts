/**
 * The application layer: the engine's use cases (ingest, route, sweep, lifecycle, replay page,
 * timeline) written once against the ports, and driven by both homes — the Lambda handlers on AWS
 * and the embedded engine.
 */
export * from './retry.js';
export * from './concurrency.js';
export * from './replay-pacer.js';
export * from './event-window.js';
export * from './replay-page.js';
export * from './rule-backtest.js';
export * from './rule-refresh.js';
export * from './rules-as-of.js';
export * from './replay-jobs.js';
export * from './execution-actions.js';
export * from './queued-stops.js';
export * from './bulk-actions.js';
export * from './bulk-action-request.js';
export * from './correlation-waits.js';
export * from './route-event.js';
export * from './correlation-activity.js';
export * from './correlation-metrics-pass.js';
export * from './sweeper.js';
export * from './ingest.js';
export * from './timeline.js';
export * from './lifecycle.js';
export * from './task-services.js';
export * from './queries.js';
export * from './fast-path.js';
export * from './rule-catalog.js';
export * from './managed-rules.js';
export * from './schedules.js';
export * from './flow-control.js';
export { RULE_REMOVED_ERROR } from './flow-rule-changes.js';
