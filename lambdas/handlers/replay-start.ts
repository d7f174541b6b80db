/**
 * The replay start Lambda, target of the per-workflow replay rules on the engine bus (lib/replay.ts):
 * starts the execution each replayed event names. The adapter is lambdas/aws/eventbridge/replay-start.ts.
 */
import { createReplayStartHandler } from '../aws/eventbridge/replay-start.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { replayStartDepsFromEnv } from '../aws/wiring/replay.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(replayStartDepsFromEnv, createReplayStartHandler);
