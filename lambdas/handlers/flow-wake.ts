/**
 * The flow-control wake-up Lambda (lib/flow-control.ts), on the wake-up queue: each due wake-up goes
 * to the flow-control application, which starts what a debounce, throttle or batch let through.
 * The adapter is lambdas/aws/jobs/flow-wake.ts.
 */
import { createFlowWakeHandler } from '../aws/jobs/flow-wake.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { flowWakeDepsFromEnv } from '../aws/wiring/flow-wake.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(flowWakeDepsFromEnv, createFlowWakeHandler);
