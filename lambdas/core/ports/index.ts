/**
 * Ports: what the application layer needs from the outside world. Each home implements them —
 * `lambdas/aws` on DynamoDB, Step Functions, EventBridge and SQS; `lambdas/embedded` on SQLite and
 * in-process services — and `test/contract` runs one suite per port against every adapter.
 */
export * from './events.js';
export * from './executions.js';
export * from './waiters.js';
export * from './workflows.js';
export * from './replay.js';
export * from './dead-letters.js';
export * from './observability.js';
export * from './tasks.js';
export * from './data-keys.js';
export * from './workflow-control.js';
export * from './flow-wakeups.js';
export * from './rules.js';
export * from './schedule-state.js';
export * from './flow-control.js';
export * from './correlation-counters.js';
