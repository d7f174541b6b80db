/**
 * The bulk action step Lambda, the task the bulk action driver calls in a loop (lib/execution-actions-api.ts, the
 * replay driver's definition in lib/replay-driver.ts). The adapter is lambdas/aws/jobs/bulk-action-step.ts.
 */
import { createBulkActionStepHandler } from '../aws/jobs/bulk-action-step.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { bulkActionStepDepsFromEnv } from '../aws/wiring/execution-actions.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(() => bulkActionStepDepsFromEnv(), createBulkActionStepHandler);
