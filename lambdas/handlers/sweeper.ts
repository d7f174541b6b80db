/**
 * The sweeper Lambda (lib/sweeper.ts), run by a schedule to route the events stored but never
 * routed, and by `edwe dlq redrive` to route given events now. The adapter is lambdas/aws/jobs/sweeper.ts.
 */
import { createSweeperHandler } from '../aws/jobs/sweeper.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { sweeperDepsFromEnv } from '../aws/wiring/routing.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(sweeperDepsFromEnv, createSweeperHandler);
