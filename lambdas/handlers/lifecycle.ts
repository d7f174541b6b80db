/**
 * The lifecycle Lambda (lib/lifecycle.ts), target of the default bus's rule for the engine's own
 * Step Functions status changes (Standard) and subscribed to the Express workflows' log groups: each
 * change ends the execution record and is stored as a `workflow.*` event, so rules can chain.
 * The adapter is lambdas/aws/eventbridge/lifecycle.ts (both event shapes).
 */
import { createLifecycleHandler } from '../aws/eventbridge/lifecycle.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { lifecycleDepsFromEnv } from '../aws/wiring/lifecycle.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(lifecycleDepsFromEnv, createLifecycleHandler);
