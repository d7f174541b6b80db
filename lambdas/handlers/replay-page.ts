/**
 * The replay page Lambda, the task the replay driver state machine calls in a loop (lib/replay.ts,
 * lib/replay-driver.ts): one page of a replay job per call. The adapter is lambdas/aws/jobs/replay-page.ts.
 */
import { createReplayPageHandler } from '../aws/jobs/replay-page.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { replayPageDepsFromEnv } from '../aws/wiring/replay.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(replayPageDepsFromEnv, createReplayPageHandler);
