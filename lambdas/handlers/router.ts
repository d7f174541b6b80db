/**
 * The router Lambda on the Events table's stream (lib/router.ts): routes each inserted event with
 * core's EventRouter and reports failures per record. The adapter is lambdas/aws/streams/router.ts.
 */
import { lambdaHandler } from '../aws/lambda-handler.js';
import { createRouterHandler } from '../aws/streams/router.js';
import { routingDepsFromEnv } from '../aws/wiring/routing.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(routingDepsFromEnv, createRouterHandler);
