/**
 * The Step Functions log records that carry an Express execution's lifecycle: lib/lifecycle.ts
 * subscribes the lifecycle function to them, lambdas/aws/express-log-changes.ts reads them.
 * Free of SDK imports: the CDK app imports it too.
 */

/** Log record `type` → the execution status it means (the status words of Step Functions' status change events). */
export const EXPRESS_LIFECYCLE_LOG_TYPES = {
  ExecutionStarted: 'RUNNING',
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
} as const;

/**
 * The subscription filter: a JSON pattern on the record's `type`, so a state's input or output that
 * merely contains one of the words is not sent. Started is there too, for the `workflow.started` event.
 */
export const EXPRESS_LIFECYCLE_FILTER_PATTERN = `{ ${Object.keys(EXPRESS_LIFECYCLE_LOG_TYPES)
  .map((type) => `$.type = "${type}"`)
  .join(' || ')} }`;
